package dev.openhands.runtime.loadtest.simulations;

import dev.openhands.runtime.loadtest.LocalHarness;
import java.nio.file.Path;

/** Load settings from system properties ({@code -Dusers=20 -Dduration=60 ...}), with defaults. */
final class Knobs {

  private Knobs() {}

  static int integer(String name, int defaultValue) {
    return Integer.parseInt(System.getProperty(name, Integer.toString(defaultValue)));
  }

  static double decimal(String name, double defaultValue) {
    return Double.parseDouble(System.getProperty(name, Double.toString(defaultValue)));
  }

  /** The local harness: DynamoDB Local, sandboxes on loopback, the gateway jar built by this reactor. */
  static LocalHarness harness(int sandboxes) {
    try {
      Path jar = Path.of(System.getProperty("gateway.jar", "../gateway/target/gateway.jar")).toAbsolutePath();
      return LocalHarness.start(sandboxes, jar);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the local harness: " + e.getMessage(), e);
    }
  }
}
