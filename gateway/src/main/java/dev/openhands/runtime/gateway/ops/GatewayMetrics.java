package dev.openhands.runtime.gateway.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's Prometheus metrics, served on the admin port. Labels are few and bounded: the route kind
 * ({@code sandbox}, {@code app}, {@code gateway}) and the HTTP status; never a conversation id.
 */
public final class GatewayMetrics {

  /** Statuses counted each under its own label, 1 to 999 (slot 0: any other). */
  private static final int STATUS_SLOTS = 1000;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  /** The request timers by route kind, then by status: found without building a key per request. */
  private final ConcurrentHashMap<String, AtomicReferenceArray<Timer>> requestTimers = new ConcurrentHashMap<>();
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

  /** One finished request: its route kind, status and duration; a status outside 1 to 999 counts as "other". */
  public void request(String route, int status, long durationNanos) {
    AtomicReferenceArray<Timer> byStatus =
        requestTimers.computeIfAbsent(route, key -> new AtomicReferenceArray<>(STATUS_SLOTS));
    int slot = status > 0 && status < STATUS_SLOTS ? status : 0;
    Timer timer = byStatus.get(slot);
    if (timer == null) {
      // Registering the same tags twice returns the meter registered first, so a race costs nothing.
      timer = Timer.builder("gateway_requests")
          .description("Requests answered, by route kind and status")
          .tag("route", route).tag("status", slot == 0 ? "other" : Integer.toString(slot))
          .register(registry);
      byStatus.set(slot, timer);
    }
    timer.record(durationNanos, TimeUnit.NANOSECONDS);
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
}
