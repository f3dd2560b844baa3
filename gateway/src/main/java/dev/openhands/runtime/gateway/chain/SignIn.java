package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.proxy.WebSocketProxy;
import dev.openhands.runtime.gateway.security.RuntimeHandshake;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.Locale;

/**
 * Row 23 and the runtime hosts' handshake: a navigation without an identity goes to sign in and comes back; the
 * main host's sign-in URL hands out a proof; the proof lands on the runtime host's reserved path.
 */
final class SignIn {

  private final RuntimeHandshake handshake;

  /** @param handshake the runtime hosts' sign-in, or {@code null} without SIGN_IN_URL */
  SignIn(RuntimeHandshake handshake) {
    this.handshake = handshake;
  }

  /** The reserved path of every runtime host: the handshake's proof arrives there, and nothing is forwarded. */
  void acceptProof(Exchange exchange) {
    if (!exchange.sandbox.hostForm() || !RuntimeHandshake.isSessionPost(exchange.request)) {
      exchange.proceed();
      return;
    }
    exchange.route = "sign-in";
    if (handshake == null) {
      throw new GatewayFailure(404, "runtime sign-in is not set up here");
    }
    exchange.answer();
    handshake.acceptProof(exchange.request, exchange.host);
  }

  /** The sign-in URL on the main host: a proof of the signed-in user for the runtime host asked for. */
  void offerProof(Exchange exchange) {
    if (exchange.userId == null || exchange.userId.isEmpty()) {
      throw new GatewayFailure(401, "sign in first");
    }
    exchange.answer();
    handshake.offerProof(exchange.request, exchange.userId, scheme(exchange));
  }

  /**
   * Nobody signed in on a sandbox that needs someone: with SIGN_IN_URL, a navigation is sent to sign in (a runtime
   * host through the handshake) and scripts and WebSocket upgrades get a 401 they can act on; without it, 403.
   */
  void required(Exchange exchange) {
    if (handshake == null) {
      throw new GatewayFailure(403, "sign in to open this sandbox");
    }
    if (!isNavigation(exchange.request)) {
      throw new GatewayFailure(401, "sign in to open this sandbox");
    }
    exchange.answer();
    String returnUrl = scheme(exchange) + "://" + exchange.host + exchange.request.uri();
    handshake.redirectToSignIn(exchange.request, returnUrl, exchange.sandbox.hostForm());
  }

  /** The scheme the browser used: https behind CloudFront, whatever the ALB's leg was. */
  private static String scheme(Exchange exchange) {
    return exchange.originVerified ? "https" : exchange.request.scheme();
  }

  /** A browser navigation (not a script, not a WebSocket upgrade). */
  static boolean isNavigation(HttpServerRequest request) {
    if (WebSocketProxy.isUpgrade(request)) {
      return false;
    }
    String mode = request.getHeader("Sec-Fetch-Mode");
    if (mode != null) {
      return mode.equalsIgnoreCase("navigate");
    }
    String accept = request.getHeader("Accept");
    return request.method() == HttpMethod.GET && accept != null
        && accept.toLowerCase(Locale.ROOT).contains("text/html");
  }
}
