package dev.openhands.runtime.loadtest.simulations;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Finds where a rising arrival rate stops meeting the bars: requests are grouped in one-second windows, and the
 * first window after the warm-up whose success rate or p99 misses its bar fixes the saturation point (the
 * arrival rate at that second of the ramp). The warm-up runs at the starting rate and is not judged: a cold JIT
 * is not saturation.
 */
final class SaturationWatch {

  /** Windows with fewer requests than this say too little to judge. */
  static final int MIN_REQUESTS_PER_WINDOW = 20;

  private final LongSupplier nanoTime;
  private long startNanos;
  private final double fromRate;
  private final double toRate;
  private final double warmupSeconds;
  private final double rampSeconds;
  private final double minSuccessPct;
  private final int maxP99Ms;

  private long window = -1;
  private int failed;
  private final List<Integer> times = new ArrayList<>();
  private String verdict;
  private double lastGoodRate = Double.NaN;
  private boolean stopClaimed;

  SaturationWatch(double fromRate, double toRate, double warmupSeconds, double rampSeconds, double minSuccessPct,
      int maxP99Ms) {
    this(fromRate, toRate, warmupSeconds, rampSeconds, minSuccessPct, maxP99Ms, System::nanoTime);
  }

  /** As above, reading time from {@code nanoTime} (tests advance it themselves). */
  SaturationWatch(double fromRate, double toRate, double warmupSeconds, double rampSeconds, double minSuccessPct,
      int maxP99Ms, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.startNanos = nanoTime.getAsLong();
    this.fromRate = fromRate;
    this.toRate = toRate;
    this.warmupSeconds = warmupSeconds;
    this.rampSeconds = rampSeconds;
    this.minSuccessPct = minSuccessPct;
    this.maxP99Ms = maxP99Ms;
  }

  /** Restarts the clock: the load starts now (the harness took its own time to start before). */
  synchronized void start() {
    startNanos = nanoTime.getAsLong();
  }

  /** The arrival rate {@code second} seconds after the start (the warm-up, then the ramp). */
  double rateAt(double second) {
    double intoRamp = Math.max(0, second - warmupSeconds);
    return fromRate + (toRate - fromRate) * Math.min(1, intoRamp / rampSeconds);
  }

  /** One request's outcome. */
  synchronized void record(int responseTimeMs, boolean ok) {
    long now = (nanoTime.getAsLong() - startNanos) / 1_000_000_000L;
    if (now != window) {
      judge();
      window = now;
      failed = 0;
      times.clear();
    }
    times.add(responseTimeMs);
    if (!ok) {
      failed++;
    }
  }

  /** True for the first caller after a window missed the bars: that one user stops the load generator. */
  synchronized boolean claimStop() {
    if (verdict == null || stopClaimed) {
      return false;
    }
    stopClaimed = true;
    return true;
  }

  /** Judges the last, unfinished second too; call once the load has stopped. */
  synchronized void finish() {
    judge();
  }

  /** The sentence the run reports (judging nothing itself: the current second is still filling). */
  synchronized String report() {
    String bars = "success >= " + minSuccessPct + " % and p99 < " + maxP99Ms + " ms in every second";
    if (verdict != null) {
      return "saturation: " + verdict + "; the bars (" + bars + ") held up to "
          + (Double.isNaN(lastGoodRate) ? "no window" : String.format("%.0f users/s", lastGoodRate));
    }
    return String.format("saturation: not reached; the bars (%s) held to the top of the ramp, %.0f users/s",
        bars, Double.isNaN(lastGoodRate) ? toRate : lastGoodRate);
  }

  private void judge() {
    if (window < warmupSeconds || verdict != null || times.size() < MIN_REQUESTS_PER_WINDOW) {
      return;
    }
    List<Integer> sorted = new ArrayList<>(times);
    Collections.sort(sorted);
    int p99 = sorted.get((int) Math.ceil(0.99 * sorted.size()) - 1);
    double successPct = 100.0 * (sorted.size() - failed) / sorted.size();
    double rate = rateAt(window + 0.5);
    if (successPct < minSuccessPct || p99 >= maxP99Ms) {
      verdict = String.format("at %.0f users/s (second %d of the run: %d requests, %.1f %% ok, p99 %d ms)",
          rate, window, sorted.size(), successPct, p99);
    } else {
      lastGoodRate = rate;
    }
  }
}
