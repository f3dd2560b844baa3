package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.security.Cookies;
import dev.openhands.runtime.gateway.security.IdTokenVerifier;
import dev.openhands.runtime.gateway.security.Ownership;
import dev.openhands.runtime.gateway.security.RuntimeHandshake;
import io.vertx.core.Future;

/**
 * Row 7, first half: who is asking, learned before the registry is read. On a runtime host, the user of that host's
 * own session cookie (the handshake's, with SIGN_IN_URL; a runtime host has no other cookie to trust, since code
 * there can set any), else the identity header the edge function set, on origin-verified requests only. On the main
 * host (the path form, the sign-in URL), with COGNITO_ISSUER, the subject the {@code __Host-id_token} cookies agree
 * on; else that header, on origin-verified requests only.
 */
final class Identity {

  static final String USER_HEADER = "X-Cognito-User-Id";
  private static final String IDENTITY_PREFIX = "X-Cognito-";

  private final Ownership ownership;
  private final IdTokenVerifier idTokens;
  private final RuntimeHandshake handshake;
  private final String demoUser;

  /**
   * @param idTokens the main host's verifier, or {@code null} without COGNITO_ISSUER
   * @param handshake the runtime hosts' sign-in, or {@code null} without SIGN_IN_URL
   * @param demoUser local mode's fixed user, signed in on the main host when nobody else is, or {@code null}
   */
  Identity(Ownership ownership, IdTokenVerifier idTokens, RuntimeHandshake handshake, String demoUser) {
    this.ownership = ownership;
    this.idTokens = idTokens;
    this.handshake = handshake;
    this.demoUser = demoUser;
  }

  /** The user of a request to a sandbox; not asked when runtime addresses are public. */
  void ofSandboxRequest(Exchange exchange) {
    if (!ownership.required()) {
      exchange.proceed();
    } else if (exchange.sandbox.hostForm()) {
      exchange.userId = handshake != null
          ? handshake.subject(exchange.request.headers(), exchange.host)
          : edgeHeader(exchange);
      exchange.proceed();
    } else {
      ofMainHostRequest(exchange);
    }
  }

  /** The signed-in user of a request to the main host (local mode's demo user when nobody else is). */
  void ofMainHostRequest(Exchange exchange) {
    if (idTokens == null) {
      exchange.userId = orDemoUser(edgeHeader(exchange));
      exchange.proceed();
      return;
    }
    Future<String> subject = idTokens.subject(Cookies.values(exchange.request.headers(), IdTokenVerifier.COOKIE));
    exchange.await(subject, () -> new GatewayFailure(503, "cannot verify sign-in now, try again shortly"), user -> {
      exchange.userId = orDemoUser(user);
      exchange.proceed();
    });
  }

  private String orDemoUser(String user) {
    return user == null || user.isEmpty() ? demoUser : user;
  }

  /** Whether the sandbox should be told who asks: only when this gateway verified it itself. */
  boolean vouchesFor(Exchange exchange) {
    return idTokens != null || handshake != null && exchange.sandbox.hostForm();
  }

  /** Removes every identity header the edge sets ({@code X-Cognito-User-Id} and the like). */
  static void removeIdentityHeaders(io.vertx.core.MultiMap headers) {
    headers.names().stream().filter(name -> name.regionMatches(true, 0, IDENTITY_PREFIX, 0, IDENTITY_PREFIX.length()))
        .toList().forEach(headers::remove);
  }

  private static String edgeHeader(Exchange exchange) {
    return exchange.originVerified ? exchange.request.getHeader(USER_HEADER) : null;
  }
}
