package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.proxy.ForwardedHeaders;
import dev.openhands.runtime.gateway.proxy.HttpForwarder;
import dev.openhands.runtime.gateway.proxy.Upstream;
import dev.openhands.runtime.gateway.proxy.WebSocketProxy;
import io.vertx.core.Future;
import java.net.URI;

/** Row 15: everything that is not a runtime address goes to the app, when there is one, with the same header rules. */
final class ToApp {

  private static final Runnable NO_ACTIVITY = () -> {};

  private final URI app;
  private final ForwardedHeaders forwardedHeaders;
  private final HttpForwarder http;
  private final WebSocketProxy webSocket;

  /** @param app the app's URL, or {@code null}: then everything else is 404 */
  ToApp(URI app, ForwardedHeaders forwardedHeaders, HttpForwarder http, WebSocketProxy webSocket) {
    this.app = app;
    this.forwardedHeaders = forwardedHeaders;
    this.http = http;
    this.webSocket = webSocket;
  }

  void forward(Exchange exchange) {
    if (app == null) {
      throw new GatewayFailure(404, "not found");
    }
    Upstream upstream = new Upstream(app.getHost(), port(), exchange.uri, false);
    Future<?> done = WebSocketProxy.isUpgrade(exchange.request)
        ? webSocket.proxy(exchange.request, upstream,
            forwardedHeaders.forWebSocket(exchange.request.headers(), exchange.facts(), upstream), NO_ACTIVITY)
        : http.forward(exchange.request, upstream,
            forwardedHeaders.forRequest(exchange.request.headers(), exchange.facts(), upstream));
    done.onFailure(exchange::fail);
  }

  private int port() {
    if (app.getPort() > 0) {
      return app.getPort();
    }
    return "https".equalsIgnoreCase(app.getScheme()) ? 443 : 80;
  }
}
