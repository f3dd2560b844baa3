package dev.openhands.runtime.loadtest.simulations;

import static io.gatling.javaapi.core.CoreDsl.global;

import dev.openhands.runtime.loadtest.LocalHarness;
import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.Simulation;

/** A simulation against the {@link LocalHarness}, which it starts before and stops after the run. */
abstract class HarnessSimulation extends Simulation {

  protected final LocalHarness harness = Knobs.harness(Knobs.integer("sandboxes", 20));

  /** The bars every run must meet: {@code -DminSuccessPct} (default 99.9) and {@code -DmaxP99Ms} (500). */
  protected static Assertion[] bars() {
    return new Assertion[] {
        global().successfulRequests().percent().gte(Knobs.decimal("minSuccessPct", 99.9)),
        global().responseTime().percentile(99.0).lt(Knobs.integer("maxP99Ms", 500))};
  }

  @Override
  public void after() {
    try {
      harness.close();
    } catch (Exception e) {
      System.err.println("harness: " + e);
    }
  }
}
