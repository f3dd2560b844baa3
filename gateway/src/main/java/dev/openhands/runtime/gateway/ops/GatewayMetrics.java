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
import java.util.function.ToDoubleFunction;

/**
 * The gateway's Prometheus metrics, served on the admin port. Labels are few and bounded: the route kind
 * ({@code sandbox}, {@code app}, {@code gateway}) and the HTTP status; never a conversation id.
 */
public final class GatewayMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<String, Timer> requestTimers = new ConcurrentHashMap<>();
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

  /** One finished request: its route kind, status and duration. */
  public void request(String route, int status, long durationNanos) {
    requestTimers.computeIfAbsent(route + ' ' + status, key -> Timer.builder("gateway_requests")
            .description("Requests answered, by route kind and status")
            .tag("route", route).tag("status", Integer.toString(status))
            .register(registry))
        .record(durationNanos, TimeUnit.NANOSECONDS);
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
