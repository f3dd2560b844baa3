package dev.openhands.runtime.loadtest.simulations;

import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.http.HttpDsl.http;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A simulation against a {@link Target}: the local harness (started before the run, stopped after it) or a
 * deployment ({@code -DbaseUrl}). Each virtual user gets its own conversation, round-robin, through
 * {@link #users()}.
 */
abstract class LoadSimulation extends Simulation {

  protected final Target target = Target.fromKnobs();
  private final AtomicInteger nextUser = new AtomicInteger();

  /** The bars every run must meet: {@code -DminSuccessPct} (default 99.9) and {@code -DmaxP99Ms} (500). */
  protected static Assertion[] bars() {
    return new Assertion[] {
        global().successfulRequests().percent().gte(Knobs.decimal("minSuccessPct", 99.9)),
        global().responseTime().percentile(99.0).lt(Knobs.integer("maxP99Ms", 500))};
  }

  /** Requests with the target's headers (origin secret locally, id_token cookie against a deployment). */
  protected HttpProtocolBuilder protocol() {
    return http.headers(target.headers()).acceptHeader("text/html,application/json,*/*");
  }

  /**
   * One user's session attributes: {@code runtimeUrl}, {@code runtimeHost} and {@code runtimeWs} (host form of
   * the app in their conversation), {@code runtimePath} ({@code /runtime/{convId}/{port}}, the path form),
   * {@code mainUrl}, {@code mainHost} and {@code mainWs}.
   */
  protected Iterator<Map<String, Object>> users() {
    return Stream.generate(() -> {
      int index = Math.floorMod(nextUser.getAndIncrement(), target.conversations());
      Map<String, Object> user = new HashMap<>();
      user.put("runtimeUrl", target.runtimeUrl(index));
      user.put("runtimeHost", target.runtimeHost(index));
      user.put("runtimeWs", target.runtimeWebSocketUrl(index));
      user.put("runtimePath", "/runtime/" + target.conversation(index) + "/" + target.appPort());
      user.put("mainUrl", target.mainUrl());
      user.put("mainHost", target.mainHost());
      user.put("mainWs", target.mainWebSocketUrl());
      return user;
    }).iterator();
  }

  @Override
  public void after() {
    target.close();
  }
}
