package dev.openhands.runtime.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.Duration;

/**
 * The time limits that must agree between the load balancer, ECS and the gateway, in one place.
 *
 * <p>On scale-in or deploy ECS first deregisters a task (the load balancer sends it nothing new and waits
 * {@code deregistrationDelay} for what is in flight), then sends SIGTERM; the gateway turns {@code /health} 503,
 * keeps serving for {@code drainDelay}, and exits within {@code drainTimeout}; ECS kills it at {@code stopTimeout}.
 * Idle limits: the gateway closes an idle WebSocket itself (close code 1001) before the load balancer would cut it,
 * and keeps connections from the load balancer open longer than the load balancer does (no reuse of a closed one).
 *
 * @param drainDelay gateway {@code DRAIN_DELAY}
 * @param drainTimeout gateway {@code DRAIN_TIMEOUT}
 * @param stopTimeout the container's ECS stop timeout (Fargate allows up to 120 s)
 * @param deregistrationDelay the target group's deregistration delay
 * @param upstreamIdleTimeout gateway {@code UPSTREAM_IDLE_TIMEOUT}
 * @param webSocketIdleTimeout gateway {@code WEBSOCKET_IDLE_TIMEOUT}
 * @param loadBalancerIdleTimeout the load balancer's idle timeout
 */
public record GatewayTimings(
    Duration drainDelay,
    Duration drainTimeout,
    Duration stopTimeout,
    Duration deregistrationDelay,
    Duration upstreamIdleTimeout,
    Duration webSocketIdleTimeout,
    Duration loadBalancerIdleTimeout) {

  /** The gateway keeps a client connection this much longer than its longest exchange idle limit. */
  static final int GATEWAY_KEEP_ALIVE_MARGIN_SECONDS = 10;

  public static GatewayTimings defaults() {
    return new GatewayTimings(Duration.ofSeconds(5), Duration.ofSeconds(25), Duration.ofSeconds(30),
        Duration.ofSeconds(30), Duration.ofSeconds(300), Duration.ofSeconds(300), Duration.ofSeconds(305));
  }

  /** How long the gateway keeps an idle client connection (Gateway: longest idle limit plus a margin). */
  public long gatewayKeepAliveSeconds() {
    return Math.max(upstreamIdleTimeout.toSeconds(), webSocketIdleTimeout.toSeconds())
        + GATEWAY_KEEP_ALIVE_MARGIN_SECONDS;
  }

  /** Each broken rule as one sentence; empty when the timings agree. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (drainDelay.toSeconds() >= drainTimeout.toSeconds()) {
      problems.add("DRAIN_DELAY (" + drainDelay.toSeconds() + " s) must be below DRAIN_TIMEOUT ("
          + drainTimeout.toSeconds() + " s)");
    }
    if (drainTimeout.toSeconds() >= stopTimeout.toSeconds()) {
      problems.add("DRAIN_TIMEOUT (" + drainTimeout.toSeconds() + " s) must be below the ECS stop timeout ("
          + stopTimeout.toSeconds() + " s), or ECS kills the gateway mid-drain");
    }
    if (stopTimeout.toSeconds() > 120) {
      problems.add("the ECS stop timeout (" + stopTimeout.toSeconds() + " s) exceeds Fargate's 120 s");
    }
    if (loadBalancerIdleTimeout.toSeconds() < webSocketIdleTimeout.toSeconds()) {
      problems.add("the load balancer idle timeout (" + loadBalancerIdleTimeout.toSeconds()
          + " s) must be at least WEBSOCKET_IDLE_TIMEOUT (" + webSocketIdleTimeout.toSeconds()
          + " s), so that the gateway closes idle WebSockets cleanly");
    }
    if (loadBalancerIdleTimeout.toSeconds() >= gatewayKeepAliveSeconds()) {
      problems.add("the load balancer idle timeout (" + loadBalancerIdleTimeout.toSeconds()
          + " s) must be below the gateway's keep-alive (" + gatewayKeepAliveSeconds() + " s)");
    }
    return problems;
  }

  /** A CDK duration of the same length. */
  static software.amazon.awscdk.Duration cdk(Duration duration) {
    return software.amazon.awscdk.Duration.seconds(duration.toSeconds());
  }

  /** The gateway's own variables for these limits, as its configuration reads them. */
  public Map<String, String> gatewayEnvironment() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("DRAIN_DELAY", drainDelay.toSeconds() + "s");
    env.put("DRAIN_TIMEOUT", drainTimeout.toSeconds() + "s");
    env.put("UPSTREAM_IDLE_TIMEOUT", upstreamIdleTimeout.toSeconds() + "s");
    env.put("WEBSOCKET_IDLE_TIMEOUT", webSocketIdleTimeout.toSeconds() + "s");
    return env;
  }
}
