package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;

/** The load balancer, ECS and the gateway must agree on drain and idle limits; each broken rule is named. */
class GatewayTimingsTest {

  private static GatewayTimings with(long drainDelay, long drainTimeout, long stop, long webSocketIdle,
      long loadBalancerIdle) {
    return new GatewayTimings(Duration.ofSeconds(drainDelay), Duration.ofSeconds(drainTimeout),
        Duration.ofSeconds(stop), Duration.ofSeconds(30), Duration.ofSeconds(300), Duration.ofSeconds(webSocketIdle),
        Duration.ofSeconds(loadBalancerIdle));
  }

  @Test
  void defaults_agree() {
    assertEquals(List.of(), GatewayTimings.defaults().problems());
    assertEquals(310, GatewayTimings.defaults().gatewayKeepAliveSeconds());
  }

  @Test
  void drainTimeoutAtTheStopTimeout_isAProblem() {
    List<String> problems = with(5, 30, 30, 300, 305).problems();
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("DRAIN_TIMEOUT (30 s) must be below the ECS stop timeout"));
  }

  @Test
  void drainDelayNotBelowDrainTimeout_isAProblem() {
    assertTrue(with(25, 25, 30, 300, 305).problems().get(0).startsWith("DRAIN_DELAY (25 s)"));
  }

  @Test
  void loadBalancerIdleBelowWebSocketIdle_isAProblem() {
    assertTrue(with(5, 25, 30, 300, 60).problems().get(0).contains("at least WEBSOCKET_IDLE_TIMEOUT"));
  }

  @Test
  void loadBalancerIdleNotBelowGatewayKeepAlive_isAProblem() {
    assertTrue(with(5, 25, 30, 300, 310).problems().get(0).contains("below the gateway's keep-alive (310 s)"));
  }

  @Test
  void stopTimeoutAboveFargatesLimit_isAProblem() {
    assertTrue(with(5, 25, 121, 300, 305).problems().get(0).contains("exceeds Fargate's 120 s"));
  }

  @Test
  void disagreeingTimings_stopSynth(@TempDir Path outdir) {
    App app = ExampleDeployment.app(ExampleDeployment.context(), outdir);
    DeployApp.build(app, Path.of("").toAbsolutePath(), Map.of(), with(5, 30, 30, 300, 305));
    RuntimeException e = assertThrows(RuntimeException.class, app::synth);
    assertTrue(e.getMessage().contains("DRAIN_TIMEOUT (30 s) must be below the ECS stop timeout"), e.getMessage());
  }
}
