package dev.openhands.runtime.gateway.registry;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sandbox routes, read through from the registry.
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>Row 16: concurrent misses for one conversation share a single registry read, and a hot
 *       conversation causes at most one read per {@code refresh} interval, however many requests use it.
 *   <li>A route older than {@code refresh} is re-read in the background on its next use; the old value
 *       keeps serving until the new one arrives.
 *   <li>Row 6 (stale-if-error): a failed re-read keeps the old route and is tried again only after another
 *       {@code refresh} interval, so an outage of the registry costs one read per hot conversation per
 *       interval, not one per request. A route that could not be re-read for {@code maxStale} since its
 *       last successful read is dropped. A failed first read is not cached, so the next request tries again.
 *   <li>Unknown and not-running conversations are remembered for {@code negativeTtl} only, so a sandbox
 *       that has just started becomes routable quickly.
 * </ul>
 */
public final class RouteCache {

  private static final Logger LOG = LoggerFactory.getLogger(RouteCache.class);

  private final AsyncLoadingCache<String, Cached> routes;
  private final Ticker ticker;

  /** A route and when it was last read successfully (ticker nanos): the anchor of its staleness bound. */
  private record Cached(SandboxRoute route, long readAtNanos) {}

  /**
   * @param loader reads one route; its future may complete on any thread. It is called on {@code executor},
   *     never on the caller's thread: Caffeine starts loads and refreshes inside {@link #get}, which runs on
   *     an event loop, and a registry read signs and marshals its request before it goes async
   * @param ticker time source, replaceable in tests
   * @param executor where reads start. Caffeine's own upkeep (draining the buffers each read and write records
   *     into, expiring, evicting) runs on the calling thread instead, a few entries at a time under a lock that
   *     a busy caller skips. Handed to a pool, it cost a wake-up of a pool thread every few reads: in a profile
   *     under wrk (2 B bodies) the wake-ups and the pool thread's upkeep took about 6 % of the gateway's CPU
   */
  public RouteCache(Function<String, CompletableFuture<SandboxRoute>> loader, Settings settings, Ticker ticker,
      Executor executor) {
    this.ticker = ticker;
    this.routes = Caffeine.newBuilder()
        .maximumSize(settings.maxSize())
        .refreshAfterWrite(settings.refresh())
        .expireAfter(new RouteExpiry(settings.maxStale(), settings.negativeTtl(), ticker))
        .ticker(ticker)
        .executor(Runnable::run)
        .recordStats()
        .buildAsync(new Loader(loader, ticker, executor));
  }

  /** The route for a conversation: cached, or read once for all concurrent callers. */
  public CompletableFuture<SandboxRoute> get(String conversationId) {
    return routes.get(conversationId).thenApply(Cached::route);
  }

  /**
   * Forgets {@code stale} if it is still the cached route for the conversation, so that concurrent
   * callers who saw the same stale route cause one re-read, not one each.
   */
  public void invalidateIf(String conversationId, SandboxRoute stale) {
    routes.synchronous().asMap().computeIfPresent(conversationId,
        (id, cached) -> cached.route().equals(stale) ? null : cached);
  }

  /** Forgets the conversation's route: its next use reads the registry (its owner just changed its shares). */
  public void invalidate(String conversationId) {
    routes.synchronous().invalidate(conversationId);
  }

  /** Publishes hits, misses, loads and evictions as {@code cache_*} meters tagged {@code cache=routes}. */
  public void bindTo(MeterRegistry registry) {
    CaffeineCacheMetrics.monitor(registry, routes, "routes");
  }

  /**
   * Cache tuning.
   *
   * @param refresh age after which a route is re-read on its next use
   * @param maxStale age after which a route is dropped even if it could not be re-read
   * @param negativeTtl lifetime of unknown and not-running answers
   * @param maxSize maximum number of routes
   */
  public record Settings(Duration refresh, Duration maxStale, Duration negativeTtl, long maxSize) {
    public Settings {
      if (refresh.compareTo(maxStale) >= 0) {
        throw new IllegalArgumentException("refresh: " + refresh + " (expected: < maxStale " + maxStale + ")");
      }
      if (maxSize <= 0) {
        throw new IllegalArgumentException("maxSize: " + maxSize + " (expected: > 0)");
      }
    }
  }

  /**
   * Reads through the registry on its own executor (Caffeine's is the caller's thread); a failed re-read answers
   * the old route, keeping its read time.
   */
  private record Loader(Function<String, CompletableFuture<SandboxRoute>> loader, Ticker ticker, Executor executor)
      implements AsyncCacheLoader<String, Cached> {

    @Override
    public CompletableFuture<Cached> asyncLoad(String conversationId, Executor callers) {
      return read(conversationId);
    }

    @Override
    public CompletableFuture<Cached> asyncReload(String conversationId, Cached old, Executor callers) {
      return read(conversationId).exceptionally(err -> {
        LOG.debug("re-reading {} failed, keeping the route read {} ms ago: {}", conversationId,
            (ticker.read() - old.readAtNanos()) / 1_000_000, err.toString());
        return old;
      });
    }

    private CompletableFuture<Cached> read(String conversationId) {
      return CompletableFuture.supplyAsync(() -> loader.apply(conversationId), executor)
          .thenCompose(read -> read)
          .thenApply(route -> new Cached(route, ticker.read()));
    }
  }

  /**
   * Routable answers live until {@code maxStale} after their last successful read (a kept old route does
   * not extend that); others live {@code negativeTtl}.
   */
  private record RouteExpiry(Duration maxStale, Duration negativeTtl, Ticker ticker) implements Expiry<String, Cached> {

    @Override
    public long expireAfterCreate(String key, Cached cached, long currentTime) {
      return lifetime(cached);
    }

    @Override
    public long expireAfterUpdate(String key, Cached cached, long currentTime, long currentDuration) {
      return lifetime(cached);
    }

    @Override
    public long expireAfterRead(String key, Cached cached, long currentTime, long currentDuration) {
      return currentDuration;
    }

    private long lifetime(Cached cached) {
      if (!(cached.route() instanceof SandboxRoute.Running running) || running.ownerPending()) {
        return negativeTtl.toNanos();
      }
      long age = ticker.read() - cached.readAtNanos();
      return Math.max(0, maxStale.toNanos() - age);
    }
  }
}
