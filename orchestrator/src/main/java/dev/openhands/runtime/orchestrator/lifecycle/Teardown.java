package dev.openhands.runtime.orchestrator.lifecycle;

import static dev.openhands.runtime.common.registry.RegistrySchema.LAST_ACTIVITY_AT;
import static dev.openhands.runtime.common.registry.RegistrySchema.STARTING_DEADLINE;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_IP;

import dev.openhands.runtime.common.registry.SandboxStatus;
import dev.openhands.runtime.orchestrator.ops.OrchestratorMetrics;
import dev.openhands.runtime.orchestrator.provider.Resources;
import dev.openhands.runtime.orchestrator.provider.SandboxProvider;
import dev.openhands.runtime.orchestrator.registry.Changes;
import dev.openhands.runtime.orchestrator.registry.SandboxItem;
import dev.openhands.runtime.orchestrator.registry.SandboxStore;
import io.vertx.core.Future;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Releases what an item names: stops its task, releases its provider resources, then forgets them on the item
 * (only if the item still names exactly those). Each step is idempotent, so a teardown cut short is simply done
 * again, by the next caller or by the reconciler's cleanup sweep; a failed step leaves the names on the item for
 * that retry.
 */
public final class Teardown {

  private static final Logger LOG = LoggerFactory.getLogger(Teardown.class);

  private final SandboxProvider provider;
  private final SandboxStore store;
  private final OrchestratorMetrics metrics;

  public Teardown(SandboxProvider provider, SandboxStore store, OrchestratorMetrics metrics) {
    this.provider = provider;
    this.store = store;
    this.metrics = metrics;
  }

  /**
   * Moves a sandbox to {@code target} ({@code PAUSED} or {@code STOPPED}): one conditional write that takes its
   * address away (the gateway stops routing at once) and sets {@code last_activity_at} (the start of retention),
   * then the teardown, whose completion {@code released} reports. Empty when the item changed meanwhile.
   */
  public Future<Optional<Stopped>> stopAs(SandboxItem found, SandboxStatus target, String reason) {
    Changes changes = Changes.none().remove(TASK_IP).remove(STARTING_DEADLINE).set(LAST_ACTIVITY_AT, store.now());
    return store.transition(found, target, changes).map(moved -> {
      metrics.transition(found.storedStatus(), target.name(), moved.isPresent() ? "ok" : "conflict");
      return moved.map(stopped -> new Stopped(stopped, release(stopped, reason)));
    });
  }

  /** A sandbox moved to a stopped status, and its teardown under way. */
  public record Stopped(SandboxItem item, Future<Void> released) {}

  /** A reason for the provider, from a status: {@code sandbox paused}. */
  public static String reason(SandboxStatus target) {
    return "sandbox " + target.name().toLowerCase(Locale.ROOT);
  }

  /** Tears down what {@code item} names; completes when done, failing when a step failed (names kept). */
  public Future<Void> release(SandboxItem item, String reason) {
    if (!item.holdsResources()) {
      return Future.succeededFuture();
    }
    Future<Void> stopped = item.taskArn() == null ? Future.succeededFuture() : provider.stop(item.taskArn(), reason);
    return stopped
        .compose(v -> item.resources().isEmpty() ? Future.<Void>succeededFuture() : provider.release(item.resources()))
        .compose(v -> store.forgetResources(item))
        .onFailure(err -> LOG.warn("teardown of {} not finished (the reconciler retries): {}", item.conversationId(),
            err.toString()))
        .mapEmpty();
  }

  /** Stops a task and releases resources that no item names (a launch that lost its race). */
  public Future<Void> releaseUnrecorded(String taskArn, Resources resources, String reason) {
    Future<Void> stopped = taskArn == null ? Future.succeededFuture() : provider.stop(taskArn, reason);
    return stopped.compose(v -> resources == null || resources.isEmpty()
            ? Future.<Void>succeededFuture() : provider.release(resources))
        .onFailure(err -> LOG.warn("could not release an unrecorded task {} ({}): {}", taskArn, resources,
            err.toString()));
  }
}
