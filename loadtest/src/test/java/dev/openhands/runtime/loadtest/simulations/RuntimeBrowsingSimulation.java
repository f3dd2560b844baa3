package dev.openhands.runtime.loadtest.simulations;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.group;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import dev.openhands.runtime.loadtest.LocalHarness;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Browsing apps in sandboxes through the gateway (host form): each user works in their own conversation,
 * loads a page, its assets of mixed sizes (1 KiB to 1 MiB) over keep-alive, and thinks between clicks.
 *
 * <p>Knobs: {@code -Dusers} new users per second (default 5), {@code -Dduration} seconds (default 10),
 * {@code -Dsandboxes} (default 20), {@code -DminSuccessPct} (default 99.9), {@code -DmaxP99Ms} (default 500).
 */
public class RuntimeBrowsingSimulation extends HarnessSimulation {

  private final AtomicInteger nextUser = new AtomicInteger();

  private final Iterator<Map<String, Object>> conversations = Stream.generate(() -> {
    int sandbox = nextUser.getAndIncrement() % harness.sandboxes();
    return Map.<String, Object>of("host", harness.runtimeHost(sandbox));
  }).iterator();

  private final HttpProtocolBuilder protocol = http
      .baseUrl("http://127.0.0.1:" + harness.gatewayPort())
      .header("X-Origin-Verify", LocalHarness.SECRET)
      .header("Host", "#{host}")
      .acceptHeader("text/html,application/json,*/*")
      .shareConnections();

  /** Open the app: the HTML page, then its script, styles and a large bundle. */
  private static final ChainBuilder OPEN_APP = group("open app").on(exec(
      http("page").get("/bytes/4096").check(status().is(200)),
      http("script").get("/bytes/65536").check(status().is(200)),
      http("styles").get("/bytes/1024").check(status().is(200)),
      http("bundle").get("/bytes/1048576").check(status().is(200))));

  /** Click around: API calls of a few KiB. */
  private static final ChainBuilder USE_APP = group("use app").on(
      exec(http("api").get("/bytes/2048").check(status().is(200)))
          .pause(Duration.ofMillis(100), Duration.ofMillis(400))
          .exec(http("api").get("/bytes/8192").check(status().is(200))));

  private final ScenarioBuilder browse = scenario("browse a sandbox app")
      .feed(conversations)
      .exec(OPEN_APP)
      .pause(Duration.ofMillis(200), Duration.ofMillis(600))
      .repeat(3).on(USE_APP);

  {
    setUp(browse.injectOpen(constantUsersPerSec(Knobs.integer("users", 5))
            .during(Duration.ofSeconds(Knobs.integer("duration", 10)))))
        .protocols(protocol)
        .assertions(bars());
  }
}
