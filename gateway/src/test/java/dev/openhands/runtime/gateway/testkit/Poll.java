package dev.openhands.runtime.gateway.testkit;

import java.time.Duration;
import java.util.function.Function;
import java.util.function.Predicate;

/** Waits on a condition itself: asks again every few milliseconds until it holds, or fails at the deadline. */
public final class Poll {

  private static final long EVERY_MS = 100;

  private Poll() {}

  /** A reading that may fail like any client call. */
  @FunctionalInterface
  public interface Read<T> {
    T get() throws Exception;
  }

  /**
   * Reads {@code value} until {@code done} holds for it and returns that value; after {@code timeout}, fails with
   * {@code what} of the last value read.
   */
  public static <T> T until(Duration timeout, Read<T> value, Predicate<T> done, Function<T, String> what)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    T last = value.get();
    while (!done.test(last)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what.apply(last));
      }
      Thread.sleep(EVERY_MS);
      last = value.get();
    }
    return last;
  }
}
