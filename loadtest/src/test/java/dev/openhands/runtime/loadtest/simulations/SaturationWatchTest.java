package dev.openhands.runtime.loadtest.simulations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The saturation point is the first judged second that misses a bar; the warm-up is never judged. */
class SaturationWatchTest {

  private final AtomicLong now = new AtomicLong();
  // 2 s warm-up at 10 users/s, then 10 -> 110 users/s over 10 s; bars: 99 % ok, p99 < 100 ms.
  private final SaturationWatch watch = new SaturationWatch(10, 110, 2, 10, 99, 100, now::get);

  private void second(long second, int requests, int slowMs, int slow, int failed) {
    now.set(second * 1_000_000_000L);
    for (int i = 0; i < requests; i++) {
      boolean failure = i >= slow && i < slow + failed;
      watch.record(i < slow ? slowMs : 5, !failure);
    }
  }

  @Test
  void rate_isTheStartingRateDuringWarmUpThenRisesLinearly() {
    assertEquals(10, watch.rateAt(1.5), 1e-9);
    assertEquals(60, watch.rateAt(7), 1e-9);
    assertEquals(110, watch.rateAt(30), 1e-9);
  }

  @Test
  void slowWarmUp_isNotSaturation() {
    second(0, 50, 900, 50, 0);
    second(1, 50, 900, 50, 0);
    second(2, 50, 0, 0, 0);
    second(3, 50, 0, 0, 0);
    assertFalse(watch.claimStop());
    watch.finish();
    assertTrue(watch.report().startsWith("saturation: not reached"), watch.report());
  }

  @Test
  void firstSlowSecond_fixesThePointAndOnlyOneUserStops() {
    second(2, 50, 0, 0, 0);
    second(3, 50, 0, 0, 0);
    second(4, 200, 300, 10, 0);
    second(5, 10, 0, 0, 0);
    assertTrue(watch.claimStop());
    assertFalse(watch.claimStop());
    assertTrue(watch.report().startsWith("saturation: at 35 users/s (second 4 of the run: 200 requests, 100.0 % ok,"
        + " p99 300 ms)"), watch.report());
    assertTrue(watch.report().endsWith("held up to 25 users/s"), watch.report());
  }

  @Test
  void reportWhileASecondIsFilling_judgesNothing() {
    second(3, 50, 0, 0, 0);
    second(4, 30, 0, 0, 0);
    watch.report();
    second(4, 30, 900, 30, 0);
    second(5, 1, 0, 0, 0);
    assertTrue(watch.report().endsWith("held up to 25 users/s"), watch.report());
  }

  @Test
  void failures_missTheSuccessBar() {
    second(3, 100, 0, 0, 2);
    second(4, 1, 0, 0, 0);
    assertTrue(watch.claimStop());
    assertTrue(watch.report().contains("98.0 % ok"), watch.report());
  }

  @Test
  void quietSecond_saysTooLittleToJudge() {
    second(3, 5, 900, 5, 0);
    second(4, 1, 0, 0, 0);
    assertFalse(watch.claimStop());
  }
}
