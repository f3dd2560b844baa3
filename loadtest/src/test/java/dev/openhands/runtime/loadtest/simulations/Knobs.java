package dev.openhands.runtime.loadtest.simulations;

/** Load settings from system properties ({@code -Dusers=20 -Dduration=60 ...}), with defaults. */
final class Knobs {

  private Knobs() {}

  static int integer(String name, int defaultValue) {
    return Integer.parseInt(System.getProperty(name, Integer.toString(defaultValue)));
  }

  static double decimal(String name, double defaultValue) {
    return Double.parseDouble(System.getProperty(name, Double.toString(defaultValue)));
  }
}
