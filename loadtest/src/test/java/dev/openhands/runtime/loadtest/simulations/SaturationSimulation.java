package dev.openhands.runtime.loadtest.simulations;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.responseTimeInMillis;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.core.CoreDsl.stopLoadGeneratorIf;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;

/**
 * Ramp to saturation: after {@code -DwarmupSeconds} (default 3) at the starting rate, an open-model arrival rate
 * rising from {@code -DfromUsers} (default 5) to {@code -DtoUsers} (default 100) users a second over
 * {@code -Dduration} seconds (10); each user opens a
 * sandbox app page and makes API calls. The first second that misses the bars ({@code -DwindowSuccessPct},
 * default 99, and {@code -DwindowP99Ms}, default 500) stops the run, and the report names the arrival rate there.
 * The run's own assertion, {@code -DminSuccessPct} (default 90) over everything, catches a gateway that fails
 * from the start.
 */
public class SaturationSimulation extends LoadSimulation {

  private final double fromUsers = Knobs.integer("fromUsers", 5);
  private final double toUsers = Knobs.integer("toUsers", 100);
  private final int warmupSeconds = Knobs.integer("warmupSeconds", 3);
  private final int rampSeconds = Knobs.integer("duration", 10);
  private final SaturationWatch watch = new SaturationWatch(fromUsers, toUsers, warmupSeconds, rampSeconds,
      Knobs.decimal("windowSuccessPct", 99), Knobs.integer("windowP99Ms", 500));

  private ChainBuilder timed(String name, int bytes) {
    return exec(http(name).get("#{runtimeUrl}/bytes/" + bytes).header("Host", "#{runtimeHost}")
            .check(responseTimeInMillis().saveAs("ms"), status().is(200)))
        .exec(session -> {
          watch.record(session.contains("ms") ? session.getInt("ms") : 0, !session.isFailed());
          return session.markAsSucceeded().remove("ms");
        });
  }

  private final ScenarioBuilder rampUp = scenario("ramp to saturation")
      .feed(users())
      .exec(timed("page", 4096), timed("script", 65536))
      .repeat(3).on(exec(timed("api", 2048)).pause(Duration.ofMillis(50), Duration.ofMillis(150)))
      .exec(stopLoadGeneratorIf(session -> watch.report(), session -> watch.claimStop()));

  {
    setUp(rampUp.injectOpen(
            constantUsersPerSec(fromUsers).during(Duration.ofSeconds(warmupSeconds)),
            rampUsersPerSec(fromUsers).to(toUsers).during(Duration.ofSeconds(rampSeconds))))
        .protocols(protocol().shareConnections())
        .assertions(global().successfulRequests().percent().gte(Knobs.decimal("minSuccessPct", 90)));
  }

  @Override
  public void before() {
    watch.start();
  }

  @Override
  public void after() {
    watch.finish();
    System.out.println(watch.report());
    super.after();
  }
}
