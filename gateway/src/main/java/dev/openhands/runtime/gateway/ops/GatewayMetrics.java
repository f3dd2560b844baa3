package dev.openhands.runtime.gateway.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.util.concurrent.FastThreadLocal;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's Prometheus metrics, served on the admin port. Labels are few and bounded: the route kind
 * ({@code sandbox}, {@code app}, {@code gateway}) and the HTTP status; never a conversation id.
 */
public final class GatewayMetrics {

  /** Statuses counted each under its own label, 1 to 999 (slot 0: any other). */
  private static final int STATUS_SLOTS = 1000;
  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** The route kinds seen, each with the statuses whose meter is registered. */
  private final ConcurrentHashMap<String, RouteKind> routeKinds = new ConcurrentHashMap<>();
  private final AtomicInteger nextRouteIndex = new AtomicInteger();
  /** Every thread's request counts, summed when scraped. */
  private final List<RequestCounts> allCounts = new CopyOnWriteArrayList<>();
  private final FastThreadLocal<RequestCounts> threadCounts = new FastThreadLocal<>() {
    @Override
    protected RequestCounts initialValue() {
      RequestCounts counts = new RequestCounts();
      allCounts.add(counts);
      return counts;
    }
  };
  private final ConcurrentHashMap<String, Counter> connectFailures = new ConcurrentHashMap<>();
  private final Timer registryReadOk;
  private final Timer registryReadFailed;

  public GatewayMetrics() {
    registryReadOk = Timer.builder("gateway_registry_read").tag("outcome", "ok")
        .description("Sandbox registry reads (DynamoDB GetItem)").register(registry);
    registryReadFailed = Timer.builder("gateway_registry_read").tag("outcome", "failed")
        .description("Sandbox registry reads (DynamoDB GetItem)").register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * One finished request: its route kind, status and duration; a status outside 1 to 999 counts as "other". The
   * count and total time go to the calling thread's own counters (an event loop's: no shared write, no lock),
   * summed when scraped.
   */
  public void request(String route, int status, long durationNanos) {
    RouteKind kind = routeKinds.computeIfAbsent(route, key -> new RouteKind(nextRouteIndex.getAndIncrement()));
    int slot = status > 0 && status < STATUS_SLOTS ? status : 0;
    threadCounts.get().add(kind.index, slot, durationNanos);
    if (kind.registered.get(slot) == null) {
      // Registering the same tags twice returns the meter registered first, so a race costs nothing.
      int index = kind.index;
      kind.registered.set(slot, FunctionTimer.builder("gateway_requests", this,
              metrics -> metrics.sum(index, slot, false), metrics -> metrics.sum(index, slot, true),
              TimeUnit.NANOSECONDS)
          .description("Requests answered, by route kind and status")
          .tag("route", route).tag("status", slot == 0 ? "other" : Integer.toString(slot))
          .register(registry));
    }
  }

  /** The count (or total nanoseconds) of one route kind and status over every thread's counters. */
  private long sum(int routeIndex, int slot, boolean nanos) {
    long sum = 0;
    for (RequestCounts counts : allCounts) {
      sum += counts.read(routeIndex, slot, nanos);
    }
    return sum;
  }

  /** A connection to a sandbox or the app that could not be made. */
  public void connectFailure(String route) {
    connectFailures.computeIfAbsent(route, key -> Counter.builder("gateway_upstream_connect_failures")
            .description("Upstream connections that could not be made").tag("route", route).register(registry))
        .increment();
  }

  /** One registry read and how it ended. */
  public void registryRead(boolean ok, long durationNanos) {
    (ok ? registryReadOk : registryReadFailed).record(durationNanos, TimeUnit.NANOSECONDS);
  }

  /** A value read when scraped, such as open WebSockets or the drain state. */
  public <T> void gauge(String name, String description, T source, ToDoubleFunction<T> value) {
    Gauge.builder(name, source, value).description(description).register(registry);
  }

  /** A monotonically growing count kept elsewhere, read when scraped. */
  public <T> void counter(String name, String description, T source, ToDoubleFunction<T> value) {
    FunctionCounter.builder(name, source, value).description(description).register(registry);
  }

  private static final class RouteKind {
    final int index;
    final AtomicReferenceArray<FunctionTimer> registered = new AtomicReferenceArray<>(STATUS_SLOTS);

    RouteKind(int index) {
      this.index = index;
    }
  }

  /**
   * One thread's request counts and total durations by route kind and status: a row per route kind, counts in
   * its first {@code STATUS_SLOTS} slots, nanoseconds in the next. Only its thread writes them (opaque writes: no
   * fence); a scrape reads them from another thread, at most a few requests behind.
   */
  private static final class RequestCounts {
    private volatile long[][] rows = new long[0][];

    void add(int routeIndex, int slot, long durationNanos) {
      long[][] all = rows;
      if (routeIndex >= all.length || all[routeIndex] == null) {
        all = Arrays.copyOf(all, Math.max(all.length, routeIndex + 1));
        all[routeIndex] = new long[2 * STATUS_SLOTS];
        rows = all;
      }
      long[] row = all[routeIndex];
      LONGS.setOpaque(row, slot, (long) LONGS.getOpaque(row, slot) + 1);
      LONGS.setOpaque(row, STATUS_SLOTS + slot, (long) LONGS.getOpaque(row, STATUS_SLOTS + slot) + durationNanos);
    }

    long read(int routeIndex, int slot, boolean nanos) {
      long[][] all = rows;
      long[] row = routeIndex < all.length ? all[routeIndex] : null;
      return row == null ? 0 : (long) LONGS.getOpaque(row, nanos ? STATUS_SLOTS + slot : slot);
    }
  }
}
