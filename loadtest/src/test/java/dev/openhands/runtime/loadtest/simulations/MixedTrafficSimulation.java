package dev.openhands.runtime.loadtest.simulations;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;

/**
 * What one gateway carries in production, at once: people browsing apps in their sandboxes (host form), the
 * same people working in OpenHands itself (main host, the gateway's {@code APP_UPSTREAM}), and agent event
 * streams (path-form WebSockets).
 *
 * <p>Knobs: {@code -Dusers} new users per second of each kind (default 3), {@code -Dduration} seconds (10),
 * {@code -Dmessages} per event stream (3), {@code -DminSuccessPct} (99.9), {@code -DmaxP99Ms} (500).
 */
public class MixedTrafficSimulation extends LoadSimulation {

  private final ScenarioBuilder sandboxApps = scenario("browse a sandbox app")
      .feed(users())
      .exec(Journeys.OPEN_SANDBOX_APP)
      .pause(Duration.ofMillis(200), Duration.ofMillis(600))
      .exec(Journeys.USE_SANDBOX_APP);

  private final ScenarioBuilder openHands = scenario("use OpenHands")
      .feed(users())
      .repeat(2).on(Journeys.USE_OPENHANDS);

  private final ScenarioBuilder eventStreams = scenario("agent event stream")
      .feed(users())
      .exec(Journeys.holdEventStream(Knobs.integer("messages", 3)));

  {
    Duration duration = Duration.ofSeconds(Knobs.integer("duration", 10));
    int users = Knobs.integer("users", 3);
    setUp(sandboxApps.injectOpen(constantUsersPerSec(users).during(duration)),
        openHands.injectOpen(constantUsersPerSec(users).during(duration)),
        eventStreams.injectOpen(constantUsersPerSec(users).during(duration)))
        .protocols(protocol().shareConnections())
        .assertions(bars());
  }
}
