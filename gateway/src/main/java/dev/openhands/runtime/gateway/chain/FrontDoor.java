package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.console.Console;
import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.ops.HealthCheck;
import dev.openhands.runtime.gateway.routing.AddressParse;
import dev.openhands.runtime.gateway.routing.RuntimeAddressParser;
import dev.openhands.runtime.gateway.security.OriginVerifier;
import dev.openhands.runtime.gateway.security.RuntimeHandshake;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;

/** The steps every request takes (rows 1 to 4), ending where the request's own chain begins. */
final class FrontDoor {

  private final HealthCheck health;
  private final OriginVerifier origin;
  private final RuntimeHandshake handshake;
  private Step[] toSandbox;
  private Step[] toSignIn;
  private Step[] toConsole;
  private Step[] toApp;

  FrontDoor(HealthCheck health, OriginVerifier origin, RuntimeHandshake handshake) {
    this.health = health;
    this.origin = origin;
    this.handshake = handshake;
  }

  /** The chains {@link #dispatch} hands requests to. */
  void leadTo(Step[] toSandbox, Step[] toSignIn, Step[] toConsole, Step[] toApp) {
    this.toSandbox = toSandbox;
    this.toSignIn = toSignIn;
    this.toConsole = toConsole;
    this.toApp = toApp;
  }

  /** Rows 3 and 4, read: where the request goes, from its Host and its target. */
  void readAddress(Exchange exchange) {
    exchange.host = exchange.request.getHeader(HttpHeaders.HOST);
    if (exchange.host == null && exchange.request.version() == HttpVersion.HTTP_1_1) {
      throw new GatewayFailure(400, "an HTTP/1.1 request needs a Host header");
    }
    exchange.uri = originForm(exchange.request.uri());
    exchange.address = RuntimeAddressParser.parse(exchange.host, exchange.uri);
    exchange.runtimeAnswer = !(exchange.address instanceof AddressParse.NotRuntime);
    exchange.proceed();
  }

  /** Row 1: the load balancer's check, on a host that is not a runtime address. */
  void answerHealth(Exchange exchange) {
    if (!exchange.runtimeAnswer && HealthCheck.matches(exchange.request)) {
      exchange.route = "health";
      exchange.resume();
      health.answer(exchange.request);
      return;
    }
    exchange.proceed();
  }

  /** Row 2: refuses requests that did not come through CloudFront, and remembers whether the header verified. */
  void verifyOrigin(Exchange exchange) {
    exchange.originVerified = origin.verifies(exchange.request.getHeader(OriginVerifier.HEADER));
    if (!exchange.originVerified && origin.required()) {
      throw new GatewayFailure(403, "requests must come through the CDN");
    }
    exchange.proceed();
  }

  /** Row 4 refuses a malformed runtime address; then a sandbox's chain, the runtime sign-in's, the console's, or the app's. */
  void dispatch(Exchange exchange) {
    if (exchange.address instanceof AddressParse.Malformed malformed) {
      throw new GatewayFailure(400, malformed.reason());
    }
    if (exchange.address instanceof AddressParse.Runtime runtime) {
      exchange.route = "sandbox";
      exchange.sandbox = runtime.address();
      exchange.continueWith(toSandbox);
    } else if (handshake != null && handshake.isSignIn(exchange.request, exchange.host)) {
      exchange.route = "sign-in";
      exchange.continueWith(toSignIn);
    } else if (Console.owns(exchange.request.path())) {
      exchange.route = "console";
      exchange.continueWith(toConsole);
    } else {
      exchange.route = "app";
      exchange.continueWith(toApp);
    }
  }

  /** The path and query of a request target, also when it arrived in absolute form. */
  static String originForm(String uri) {
    if (uri.startsWith("/")) {
      return uri;
    }
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      return "/";
    }
    int path = uri.indexOf('/', scheme + 3);
    return path < 0 ? "/" : uri.substring(path);
  }
}
