package dev.openhands.runtime.gateway.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Rows 6 and 16 as guarantees of the cache, with time advanced by hand. */
class RouteCacheTest {

  static final String CONV = "0123456789abcdef0123456789abcdef";
  static final SandboxRoute.Running A = new SandboxRoute.Running("10.0.0.1", "");
  static final SandboxRoute.Running B = new SandboxRoute.Running("10.0.0.2", "");

  final AtomicLong nanos = new AtomicLong();
  final Ticker ticker = nanos::get;
  /** Each registry read the cache asks for, completed by the test. */
  final List<CompletableFuture<SandboxRoute>> reads = new ArrayList<>();
  final RouteCache cache = new RouteCache(id -> {
    CompletableFuture<SandboxRoute> read = new CompletableFuture<>();
    synchronized (reads) {
      reads.add(read);
    }
    return read;
  }, new RouteCache.Settings(Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(2), 1000),
      ticker, Runnable::run);

  void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  @Test
  void row16_concurrentMisses_shareOneRead() {
    List<CompletableFuture<SandboxRoute>> gets = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      gets.add(cache.get(CONV));
    }
    assertEquals(1, reads.size());
    reads.get(0).complete(A);
    for (CompletableFuture<SandboxRoute> get : gets) {
      assertSame(A, get.join());
    }
  }

  @Test
  void row16_hotConversation_oneReadPerRefreshInterval_oldValueServesMeanwhile() {
    cache.get(CONV);
    reads.get(0).complete(A);
    for (int i = 0; i < 100; i++) {
      advance(Duration.ofMillis(90));
      assertSame(A, cache.get(CONV).join());
    }
    assertEquals(1, reads.size(), "no read before the refresh interval");
    advance(Duration.ofMillis(1100));
    for (int i = 0; i < 100; i++) {
      assertSame(A, cache.get(CONV).join(), "the old route serves during the refresh");
    }
    assertEquals(2, reads.size(), "one background refresh for all uses");
    reads.get(1).complete(B);
    assertSame(B, cache.get(CONV).join());
  }

  @Test
  void row06_failedRefresh_keepsServing_retriesOncePerInterval_untilMaxStale() {
    cache.get(CONV);
    reads.get(0).complete(A);
    advance(Duration.ofSeconds(11));
    assertSame(A, cache.get(CONV).join());
    assertEquals(2, reads.size());
    reads.get(1).completeExceptionally(new RuntimeException("registry down"));
    for (int i = 0; i < 1000; i++) {
      assertSame(A, cache.get(CONV).join(), "stale-if-error");
    }
    assertEquals(2, reads.size(), "no new read right after a failed one, however many requests");
    for (int interval = 0; interval < 25; interval++) {
      advance(Duration.ofSeconds(11));
      assertSame(A, cache.get(CONV).join());
      reads.get(reads.size() - 1).completeExceptionally(new RuntimeException("registry down"));
    }
    assertEquals(27, reads.size(), "one read per refresh interval while the registry is down");
    advance(Duration.ofSeconds(20));
    CompletableFuture<SandboxRoute> afterMaxStale = cache.get(CONV);
    assertEquals(28, reads.size(), "past ROUTE_MAX_STALE since the last good read the route is read again");
    reads.get(27).completeExceptionally(new RuntimeException("registry down"));
    assertThrows(ExecutionException.class, afterMaxStale::get);
  }

  @Test
  void row06_failedFirstRead_isNotCached() {
    CompletableFuture<SandboxRoute> first = cache.get(CONV);
    reads.get(0).completeExceptionally(new RuntimeException("registry down"));
    assertThrows(ExecutionException.class, first::get);
    cache.get(CONV);
    assertEquals(2, reads.size());
  }

  @Test
  void unknownAndNotRunning_areRememberedOnlyForTheNegativeTtl() {
    cache.get(CONV);
    reads.get(0).complete(SandboxRoute.UNKNOWN);
    advance(Duration.ofMillis(1900));
    assertSame(SandboxRoute.UNKNOWN, cache.get(CONV).join());
    assertEquals(1, reads.size());
    advance(Duration.ofMillis(200));
    cache.get(CONV);
    assertEquals(2, reads.size());
  }

  @Test
  void row09_invalidateIf_dropsOnlyTheStaleRoute() {
    cache.get(CONV);
    reads.get(0).complete(A);
    cache.invalidateIf(CONV, B);
    assertSame(A, cache.get(CONV).join());
    assertEquals(1, reads.size());
    cache.invalidateIf(CONV, A);
    cache.get(CONV);
    assertEquals(2, reads.size());
  }
}
