package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.registry.RouteCache;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import java.util.function.Consumer;

/** Rows 5, 6 and 16: the sandbox's route, from the cache (a hit goes on at once) or one shared registry read. */
final class Routes {

  private final RouteCache cache;

  Routes(RouteCache cache) {
    this.cache = cache;
  }

  void resolve(Exchange exchange) {
    read(exchange, known -> {
      exchange.known = known;
      exchange.proceed();
    });
  }

  /** Reads what the registry says about the exchange's sandbox: an unknown conversation is 404. */
  void read(Exchange exchange, Consumer<SandboxRoute.Known> then) {
    exchange.await(cache.get(exchange.sandbox.conversationId()),
        () -> new GatewayFailure(503, "the sandbox registry is unavailable, try again shortly"),
        route -> {
          if (!(route instanceof SandboxRoute.Known known)) {
            throw new GatewayFailure(404, "no sandbox for this conversation");
          }
          then.accept(known);
        });
  }

  /** Forgets a route that is known to be out of date (a moved task, a woken sandbox), unless it was replaced. */
  void forget(Exchange exchange, SandboxRoute stale) {
    cache.invalidateIf(exchange.sandbox.conversationId(), stale);
  }
}
