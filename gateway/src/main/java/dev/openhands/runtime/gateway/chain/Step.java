package dev.openhands.runtime.gateway.chain;

/**
 * One row of the behaviour table, as a step of the request path. A step either answers the exchange itself, or
 * learns something about it and calls {@link Exchange#proceed()}, at once when it has what it needs (a cache hit)
 * or later from a callback on the exchange's event loop. A step that cannot go on throws, or passes to
 * {@link Exchange#fail}, a {@link dev.openhands.runtime.gateway.failure.GatewayFailure}; {@link Answers} renders it.
 */
@FunctionalInterface
public interface Step {

  void run(Exchange exchange);
}
