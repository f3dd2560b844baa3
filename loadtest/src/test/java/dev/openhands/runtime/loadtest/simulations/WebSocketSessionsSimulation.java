package dev.openhands.runtime.loadtest.simulations;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.ws;

import dev.openhands.runtime.loadtest.LocalHarness;
import dev.openhands.runtime.loadtest.SandboxFarm;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Long-lived WebSockets through the gateway, as the agent server's event stream uses them: the path form
 * {@code /runtime/{convId}/8000/sockets/...} on the main host, sending a message a second and checking each
 * echo.
 *
 * <p>Knobs: {@code -Dusers} new sockets per second (default 5), {@code -Dduration} seconds of arrivals
 * (default 10), {@code -Dmessages} per socket (default 5), {@code -DminSuccessPct} (99.9), {@code -DmaxP99Ms} (500).
 */
public class WebSocketSessionsSimulation extends HarnessSimulation {

  private final AtomicInteger nextUser = new AtomicInteger();

  private final Iterator<Map<String, Object>> conversations = Stream.generate(() -> {
    int sandbox = nextUser.getAndIncrement() % harness.sandboxes();
    return Map.<String, Object>of("path",
        "/runtime/" + SandboxFarm.conversation(sandbox) + "/" + harness.sandboxPort() + "/sockets/events");
  }).iterator();

  private final HttpProtocolBuilder protocol = http
      .baseUrl("http://127.0.0.1:" + harness.gatewayPort())
      .wsBaseUrl("ws://127.0.0.1:" + harness.gatewayPort())
      .header("X-Origin-Verify", LocalHarness.SECRET);

  /** Keep a socket open and talk over it, one message a second, each echoed. */
  private static final ChainBuilder HOLD_WEB_SOCKET = group("hold WebSocket").on(
      exec(ws("connect").connect("#{path}").header("Host", "openhands.localhost"))
          .repeat(Knobs.integer("messages", 5), "n").on(
              exec(ws("message").sendText("event #{n}")
                  .await(Duration.ofSeconds(5)).on(ws.checkTextMessage("echo").check(
                      io.gatling.javaapi.core.CoreDsl.bodyString().is(session -> "event " + session.getInt("n")))))
                  .pause(Duration.ofSeconds(1)))
          .exec(ws("close").close()));

  private final ScenarioBuilder sessions = scenario("agent event stream").feed(conversations).exec(HOLD_WEB_SOCKET);

  {
    setUp(sessions.injectOpen(constantUsersPerSec(Knobs.integer("users", 5))
            .during(Duration.ofSeconds(Knobs.integer("duration", 10)))))
        .protocols(protocol)
        .assertions(bars());
  }
}
