package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.registry.RouteCache;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import java.util.Locale;
import java.util.function.Consumer;

/** Rows 5, 6 and 16: the sandbox's route, from the cache (a hit goes on at once) or one shared registry read. */
final class Routes {

  private final RouteCache cache;

  Routes(RouteCache cache) {
    this.cache = cache;
  }

  void resolve(Exchange exchange) {
    read(exchange, running -> {
      exchange.target = running;
      exchange.proceed();
    });
  }

  /** Reads the route of the exchange's sandbox: unknown is 404, known but not running is 409. */
  void read(Exchange exchange, Consumer<SandboxRoute.Running> then) {
    exchange.await(cache.get(exchange.sandbox.conversationId()),
        () -> new GatewayFailure(503, "the sandbox registry is unavailable, try again shortly"),
        route -> then.accept(running(route)));
  }

  /** Row 9: forgets a route whose address refused the connection, unless it was already replaced. */
  void forget(Exchange exchange, SandboxRoute stale) {
    cache.invalidateIf(exchange.sandbox.conversationId(), stale);
  }

  private static SandboxRoute.Running running(SandboxRoute route) {
    if (route instanceof SandboxRoute.Running running) {
      return running;
    }
    if (route instanceof SandboxRoute.NotRunning notRunning) {
      throw new GatewayFailure(409, "the sandbox is " + notRunning.status().toLowerCase(Locale.ROOT)
          + ", not running");
    }
    throw new GatewayFailure(404, "no sandbox for this conversation");
  }
}
