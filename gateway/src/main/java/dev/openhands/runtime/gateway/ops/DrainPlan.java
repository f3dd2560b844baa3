package dev.openhands.runtime.gateway.ops;

import java.time.Duration;

/**
 * How the gateway leaves service on SIGTERM (behaviour table row 18), counted from the signal:
 *
 * <ol>
 *   <li>at once, {@code /health} answers 503, so the load balancer stops sending new requests;
 *   <li>until {@code delay}, everything is served as usual, new connections included, because the load
 *       balancer takes a few health checks to notice;
 *   <li>at {@code delay}, open WebSockets get close 1001 and the listeners stop accepting; requests in
 *       flight may finish until {@link #exitAt()};
 *   <li>at {@link #exitAt()}, what is left is closed and the process exits with 0, {@link #EXIT_MARGIN}
 *       before {@code timeout} so that the exit itself fits in it.
 * </ol>
 *
 * @param delay how long new traffic is still served
 * @param timeout the limit on the whole drain, below the orchestrator's stop timeout
 */
public record DrainPlan(Duration delay, Duration timeout) {

  /** Time kept back from {@code timeout} for closing Vert.x and the JVM's own exit. */
  public static final Duration EXIT_MARGIN = Duration.ofMillis(500);

  public DrainPlan {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay: " + delay + " (expected: >= 0)");
    }
    if (timeout.compareTo(delay.plus(EXIT_MARGIN)) <= 0) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: > delay + " + EXIT_MARGIN + ")");
    }
  }

  /** When, counted from the signal, whatever is still open is closed. */
  public Duration exitAt() {
    return timeout.minus(EXIT_MARGIN);
  }

  /** How long requests in flight at the end of the delay may still run. */
  public Duration finishWindow() {
    return exitAt().minus(delay);
  }
}
