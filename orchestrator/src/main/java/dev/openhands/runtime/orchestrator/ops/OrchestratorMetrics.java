package dev.openhands.runtime.orchestrator.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The orchestrator's Prometheus metrics, served on the admin port. Labels are few and bounded (route templates,
 * statuses, sweep and step names); never a conversation id.
 */
public final class OrchestratorMetrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<String, Timer> timers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** One API call: its route template (e.g. {@code /sessions/{id}}), status and duration. */
  public void apiCall(String route, int status, long durationNanos) {
    timer("orchestrator_api_requests", "API calls, by route and status", "route", route, "status",
        Integer.toString(status)).record(durationNanos, TimeUnit.NANOSECONDS);
  }

  /** One attempted status transition and how it ended ({@code ok}, {@code conflict}, {@code failed}). */
  public void transition(String from, String to, String outcome) {
    counter("orchestrator_transitions", "Status transitions attempted, by outcome", "from", lower(from), "to",
        lower(to), "outcome", outcome).increment();
  }

  /** One step of bringing a sandbox up ({@code prepare}, {@code run}, {@code address}, {@code alive}). */
  public void startStep(String step, long durationNanos) {
    timer("orchestrator_start_step", "Time spent in each step of a start", "step", step)
        .record(durationNanos, TimeUnit.NANOSECONDS);
  }

  /** A whole start, from the transition to STARTING until RUNNING or ERROR. */
  public void start(String outcome, long durationNanos) {
    timer("orchestrator_start", "Starts, from STARTING to RUNNING or ERROR", "outcome", outcome)
        .record(durationNanos, TimeUnit.NANOSECONDS);
  }

  /** One run of a reconciler sweep, {@code ok} or {@code failed}. */
  public void sweep(String sweep, String outcome) {
    counter("orchestrator_reconcile_sweeps", "Reconciler sweeps run", "sweep", sweep, "outcome", outcome)
        .increment();
  }

  /** Something a sweep changed (for example {@code paused}, {@code failed}, {@code stopped_orphan}). */
  public void swept(String sweep, String change) {
    counter("orchestrator_reconcile_changes", "What the reconciler's sweeps changed", "sweep", sweep, "change", change)
        .increment();
  }

  /** A value read when scraped. */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  private Timer timer(String name, String description, String... tags) {
    return timers.computeIfAbsent(name + String.join(",", tags),
        key -> Timer.builder(name).description(description).tags(tags).register(registry));
  }

  private Counter counter(String name, String description, String... tags) {
    return counters.computeIfAbsent(name + String.join(",", tags),
        key -> Counter.builder(name).description(description).tags(tags).register(registry));
  }

  private static String lower(String status) {
    return status == null ? "none" : status.toLowerCase(Locale.ROOT);
  }
}
