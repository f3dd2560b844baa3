package dev.openhands.runtime.gateway.ops;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The load balancer's health check (behaviour table row 1): {@code GET /health} answers 200 {@code OK},
 * and 503 from the moment the gateway starts draining, so that the load balancer stops sending before
 * the listener closes. Only asked on hosts that are not runtime addresses; there {@code /health} belongs
 * to the sandbox's app.
 */
public final class HealthCheck {

  public static final String PATH = "/health";

  private final AtomicBoolean draining = new AtomicBoolean();

  /** Whether {@code request} is a health check. */
  public static boolean matches(HttpServerRequest request) {
    HttpMethod method = request.method();
    return (method == HttpMethod.GET || method == HttpMethod.HEAD) && PATH.equals(request.path());
  }

  /** Turns the check unhealthy; it stays so. */
  public void startDraining() {
    draining.set(true);
  }

  public boolean draining() {
    return draining.get();
  }

  public void answer(HttpServerRequest request) {
    boolean healthy = !draining.get();
    request.response()
        .setStatusCode(healthy ? 200 : 503)
        .putHeader("Content-Type", "text/plain; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .end(healthy ? "OK" : "draining");
  }
}
