package dev.openhands.runtime.loadtest.simulations;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;

/**
 * Browsing apps in sandboxes through the gateway (host form): each user works in their own conversation,
 * loads a page, its assets of mixed sizes (1 KiB to 1 MiB) over keep-alive, and thinks between clicks.
 *
 * <p>Knobs: {@code -Dusers} new users per second (default 5), {@code -Dduration} seconds (default 10),
 * {@code -Dsandboxes} (default 20), {@code -DminSuccessPct} (default 99.9), {@code -DmaxP99Ms} (default 500);
 * {@code -DbaseUrl} and the rest of {@link Target} for a deployment.
 */
public class RuntimeBrowsingSimulation extends LoadSimulation {

  private final ScenarioBuilder browse = scenario("browse a sandbox app")
      .feed(users())
      .exec(Journeys.OPEN_SANDBOX_APP)
      .pause(Duration.ofMillis(200), Duration.ofMillis(600))
      .repeat(3).on(Journeys.USE_SANDBOX_APP);

  {
    setUp(browse.injectOpen(constantUsersPerSec(Knobs.integer("users", 5))
            .during(Duration.ofSeconds(Knobs.integer("duration", 10)))))
        .protocols(protocol().shareConnections())
        .assertions(bars());
  }
}
