package dev.openhands.runtime.loadtest.simulations;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;

/**
 * Long-lived WebSockets through the gateway, in both forms: the agent server's event stream
 * ({@code /runtime/{convId}/{port}/sockets/events} on the main host) and an app's own socket on its runtime
 * host. Each sends a message a second and checks every echo.
 *
 * <p>Knobs: {@code -Dusers} new sockets per second of each form (default 5), {@code -Dduration} seconds of
 * arrivals (default 10), {@code -Dmessages} per socket (default 5), {@code -DminSuccessPct} (99.9),
 * {@code -DmaxP99Ms} (500).
 */
public class WebSocketSessionsSimulation extends LoadSimulation {

  private final int messages = Knobs.integer("messages", 5);

  private final ScenarioBuilder eventStreams = scenario("agent event stream (path form)")
      .feed(users()).exec(Journeys.holdEventStream(messages));

  private final ScenarioBuilder appSockets = scenario("app socket (host form)")
      .feed(users()).exec(Journeys.holdAppSocket(messages));

  {
    Duration arrivals = Duration.ofSeconds(Knobs.integer("duration", 10));
    int users = Knobs.integer("users", 5);
    setUp(eventStreams.injectOpen(constantUsersPerSec(users).during(arrivals)),
        appSockets.injectOpen(constantUsersPerSec(users).during(arrivals)))
        .protocols(protocol())
        .assertions(bars());
  }
}
