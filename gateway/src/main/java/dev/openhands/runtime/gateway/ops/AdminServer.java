package dev.openhands.runtime.gateway.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Prometheus {@code /metrics} on the admin port, never exposed through the load balancer. */
public final class AdminServer {

  private final HttpServer server;

  private AdminServer(HttpServer server) {
    this.server = server;
  }

  /** Listens on {@code host:port}; the future completes once bound. */
  public static Future<AdminServer> listen(Vertx vertx, String host, int port, GatewayMetrics metrics) {
    HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port))
        .requestHandler(request -> {
          if ("/metrics".equals(request.path())) {
            request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape());
          } else {
            request.response().setStatusCode(404).end();
          }
        });
    return server.listen().map(bound -> new AdminServer(server));
  }

  public Future<Void> close(Duration grace) {
    return server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS);
  }
}
