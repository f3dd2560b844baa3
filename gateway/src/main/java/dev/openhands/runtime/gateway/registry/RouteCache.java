package dev.openhands.runtime.gateway.registry;

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
 *   <li>Row 6 (stale-if-error): a failed re-read keeps the old value; a route that could not be re-read
 *       for {@code maxStale} is dropped. A failed first read is not cached, so the next request tries again.
 *   <li>Unknown and not-running conversations are remembered for {@code negativeTtl} only, so a sandbox
 *       that has just started becomes routable quickly.
 * </ul>
 */
public final class RouteCache {

  private final AsyncLoadingCache<String, SandboxRoute> routes;

  /**
   * @param loader reads one route; its future may complete on any thread. It is called on {@code executor},
   *     never on the caller's thread: Caffeine starts loads and refreshes inside {@link #get}, which runs on
   *     an event loop, and a registry read signs and marshals its request before it goes async
   * @param ticker time source, replaceable in tests
   */
  public RouteCache(Function<String, CompletableFuture<SandboxRoute>> loader, Settings settings, Ticker ticker,
      Executor executor) {
    this.routes = Caffeine.newBuilder()
        .maximumSize(settings.maxSize())
        .refreshAfterWrite(settings.refresh())
        .expireAfter(new RouteExpiry(settings.maxStale(), settings.negativeTtl()))
        .ticker(ticker)
        .executor(executor)
        .recordStats()
        .buildAsync((conversationId, loadExecutor) ->
            CompletableFuture.supplyAsync(() -> loader.apply(conversationId), loadExecutor).thenCompose(read -> read));
  }

  /** The route for a conversation: cached, or read once for all concurrent callers. */
  public CompletableFuture<SandboxRoute> get(String conversationId) {
    return routes.get(conversationId);
  }

  /** Forgets a route, for example when its task stopped answering on the cached address. */
  public void invalidate(String conversationId) {
    routes.synchronous().invalidate(conversationId);
  }

  /**
   * Forgets {@code stale} if it is still the cached route for the conversation, so that concurrent
   * callers who saw the same stale route cause one re-read, not one each.
   */
  public void invalidateIf(String conversationId, SandboxRoute stale) {
    routes.synchronous().asMap().remove(conversationId, stale);
  }

  /** Publishes hits, misses, loads and evictions as {@code cache_*} meters tagged {@code cache=routes}. */
  public void bindTo(MeterRegistry registry) {
    CaffeineCacheMetrics.monitor(registry, routes, "routes");
  }

  /** Number of cached routes (approximate). */
  public long size() {
    return routes.synchronous().estimatedSize();
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

  /** Routable answers live until {@code maxStale} after their last successful read; others briefly. */
  private record RouteExpiry(Duration maxStale, Duration negativeTtl) implements Expiry<String, SandboxRoute> {

    @Override
    public long expireAfterCreate(String key, SandboxRoute route, long currentTime) {
      return lifetime(route);
    }

    @Override
    public long expireAfterUpdate(String key, SandboxRoute route, long currentTime, long currentDuration) {
      return lifetime(route);
    }

    @Override
    public long expireAfterRead(String key, SandboxRoute route, long currentTime, long currentDuration) {
      return currentDuration;
    }

    private long lifetime(SandboxRoute route) {
      return (route instanceof SandboxRoute.Running ? maxStale : negativeTtl).toNanos();
    }
  }
}
