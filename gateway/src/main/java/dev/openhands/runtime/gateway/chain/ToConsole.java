package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.console.Console;
import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.security.RuntimeHandshake;
import java.net.URI;

/**
 * Row 24: the owner's console on the main host, before the app. A signed-in user gets it; a navigation without a
 * sign-in goes to SIGN_IN_URL and comes back (403 without it); a script gets 401.
 */
final class ToConsole {

  private final Console console;
  private final RuntimeHandshake handshake;
  private final URI signInUrl;
  private final String demoUser;

  /**
   * @param handshake the runtime hosts' sign-in, or {@code null} without SIGN_IN_URL
   * @param demoUser local mode's fixed user, or {@code null}
   */
  ToConsole(Console console, RuntimeHandshake handshake, URI signInUrl, String demoUser) {
    this.console = console;
    this.handshake = handshake;
    this.signInUrl = signInUrl;
    this.demoUser = demoUser;
  }

  void serve(Exchange exchange) {
    String path = exchange.request.path();
    if (exchange.userId == null || exchange.userId.isEmpty()) {
      if (Console.isApi(path) || handshake == null || !SignIn.isNavigation(exchange.request)) {
        throw new GatewayFailure(Console.isApi(path) ? 401 : 403, "sign in to open your sandboxes");
      }
      exchange.answer();
      handshake.redirectToSignIn(exchange.request, origin(exchange) + exchange.uri, false);
      return;
    }
    exchange.answer();
    console.serve(exchange.request, exchange.userId, new Console.Site(origin(exchange),
        scheme(exchange) + "://{port}-{id}.runtime." + exchange.host + "/", exchange.userId.equals(demoUser)));
  }

  /** The main host's origin: SIGN_IN_URL's, or the one the request came to. */
  private String origin(Exchange exchange) {
    if (signInUrl != null) {
      return signInUrl.getScheme() + "://" + signInUrl.getRawAuthority();
    }
    return scheme(exchange) + "://" + exchange.host;
  }

  private static String scheme(Exchange exchange) {
    return exchange.originVerified ? "https" : exchange.request.scheme();
  }
}
