package dev.openhands.runtime.orchestrator.reconcile;

import static dev.openhands.runtime.common.registry.RegistrySchema.LAST_ACTIVITY_AT;
import static dev.openhands.runtime.common.registry.RegistrySchema.START_ENVIRONMENT;
import static dev.openhands.runtime.common.registry.RegistrySchema.WORKSPACE_REMOVAL_PENDING;

import dev.openhands.runtime.common.registry.SandboxStatus;
import dev.openhands.runtime.orchestrator.agent.AgentServer;
import dev.openhands.runtime.orchestrator.lifecycle.ConversationData;
import dev.openhands.runtime.orchestrator.lifecycle.Launcher;
import dev.openhands.runtime.orchestrator.lifecycle.Teardown;
import dev.openhands.runtime.orchestrator.ops.OrchestratorMetrics;
import dev.openhands.runtime.orchestrator.owner.OwnerResolver;
import dev.openhands.runtime.orchestrator.provider.SandboxProvider;
import dev.openhands.runtime.orchestrator.provider.TaskState;
import dev.openhands.runtime.orchestrator.provider.TaskSummary;
import dev.openhands.runtime.orchestrator.registry.Changes;
import dev.openhands.runtime.orchestrator.registry.SandboxItem;
import dev.openhands.runtime.orchestrator.registry.SandboxStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Level-triggered reconciliation, every {@code interval} in every orchestrator instance: each sweep reads the
 * registry (all pages) and the provider, and moves what is wrong towards what should be, with conditional writes
 * only, so that several instances sweeping at once, or a sweep cut short, change nothing twice.
 *
 * <ol>
 *   <li>{@code starting}: past its deadline → {@code ERROR}; its recorded task up and answering → {@code RUNNING};
 *   <li>{@code running}: task gone → {@code STOPPED}; idle for {@code idleTimeout} → {@code PAUSED}, unless its
 *       agent-server says a conversation is executing (then its activity is touched);
 *   <li>{@code owners}: a pending owner is looked up again (with the two above);
 *   <li>{@code orphans}: a task of the family that no item names, created over {@link #ORPHAN_GRACE} ago → stopped;
 *   <li>{@code retention}: {@code PAUSED}/{@code STOPPED} untouched for {@code retention} → {@code ARCHIVED};
 *   <li>{@code cleanup}: a stopped item changed in the last {@link #CLEANUP_WINDOW} that still names a task or
 *       resources, or an archived one whose workspace is still there → torn down.
 * </ol>
 */
public final class Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  static final Duration ORPHAN_GRACE = Duration.ofMinutes(5);
  static final Duration CLEANUP_WINDOW = Duration.ofDays(1);
  private static final int PARALLEL = 16;
  private static final List<SandboxStatus> STOPPED_STATUSES = List.of(SandboxStatus.PAUSED, SandboxStatus.STOPPED,
      SandboxStatus.ERROR, SandboxStatus.ARCHIVED);

  /**
   * @param interval time between the end of one round of sweeps and the start of the next
   * @param idleTimeout a running sandbox without activity for this long is paused
   * @param retention a stopped sandbox untouched for this long is archived
   * @param agentServerPort where a sandbox's agent-server listens, for items that do not say
   */
  public record Settings(Duration interval, Duration idleTimeout, Duration retention, int agentServerPort) {}

  private final Vertx vertx;
  private final SandboxStore store;
  private final SandboxProvider provider;
  private final Launcher launcher;
  private final Teardown teardown;
  private final AgentServer agent;
  private final OwnerResolver owners;
  private final ConversationData data;
  private final OrchestratorMetrics metrics;
  private final Settings settings;
  private long timer = -1;
  private boolean stopped;
  private Future<Void> round = Future.succeededFuture();

  public Reconciler(Vertx vertx, SandboxStore store, SandboxProvider provider, Launcher launcher, Teardown teardown,
      AgentServer agent, OwnerResolver owners, ConversationData data, OrchestratorMetrics metrics, Settings settings) {
    this.vertx = vertx;
    this.store = store;
    this.provider = provider;
    this.launcher = launcher;
    this.teardown = teardown;
    this.agent = agent;
    this.owners = owners;
    this.data = data;
    this.metrics = metrics;
    this.settings = settings;
  }

  /** Runs a round now, then one every interval after the previous ended. */
  public void start() {
    schedule(0);
  }

  private void schedule(long delayMs) {
    if (stopped) {
      return;
    }
    timer = vertx.setTimer(Math.max(1, delayMs), id -> {
      round = runOnce();
      round.onComplete(ar -> schedule(settings.interval().toMillis()));
    });
  }

  /** Stops sweeping; completes when the round under way (if any) has ended. */
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return round.otherwiseEmpty();
  }

  /** One round of every sweep, in order; never fails (each sweep's failure is counted and logged). */
  public Future<Void> runOnce() {
    Set<String> tracked = new HashSet<>();
    return sweep("starting", () -> startingSweep(tracked))
        .compose(v -> sweep("running", () -> runningSweep(tracked)))
        .compose(v -> sweep("orphans", () -> orphanSweep(tracked)))
        .compose(v -> sweep("retention", this::retentionSweep))
        .compose(v -> sweep("cleanup", this::cleanupSweep));
  }

  private Future<Void> sweep(String name, Supplier<Future<?>> body) {
    Future<?> done;
    try {
      done = body.get();
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    return done.transform(ar -> {
      metrics.sweep(name, ar.succeeded() ? "ok" : "failed");
      if (ar.failed()) {
        LOG.warn("reconciler sweep '{}' failed: {}", name, ar.cause().toString());
      }
      return Future.succeededFuture();
    });
  }

  private Future<?> startingSweep(Set<String> tracked) {
    return store.allInStatus(SandboxStatus.STARTING).compose(items -> {
      items.forEach(item -> track(item, tracked));
      return Bounded.each(items, PARALLEL, item -> launcher.advance(item)
          .onSuccess(change -> counted("starting", change))
          .compose(change -> pendingOwner(item)));
    });
  }

  private Future<?> runningSweep(Set<String> tracked) {
    return store.allInStatus(SandboxStatus.RUNNING).compose(items -> {
      items.forEach(item -> track(item, tracked));
      List<String> arns = items.stream().map(SandboxItem::taskArn).filter(arn -> arn != null).toList();
      Future<Map<String, TaskState>> states = arns.isEmpty() ? Future.succeededFuture(Map.of())
          : provider.describe(arns);
      return states.compose(known -> Bounded.each(items, PARALLEL, item -> running(item, known)));
    });
  }

  private Future<?> running(SandboxItem item, Map<String, TaskState> states) {
    TaskState state = item.taskArn() == null ? null : states.get(item.taskArn());
    if (state != null && state.gone()) {
      return stop(item, SandboxStatus.STOPPED, "task gone: " + state.reason(), "running", "stopped_task_gone");
    }
    Future<Boolean> owner = pendingOwner(item);
    long idleSince = store.now() - settings.idleTimeout().toSeconds();
    if (item.lastActivityAt() >= idleSince || item.taskIp() == null) {
      return owner;
    }
    int port = item.agentServerPort() > 0 ? item.agentServerPort() : settings.agentServerPort();
    return owner.compose(v -> agent.working(item.taskIp(), port, item.sessionApiKey()).otherwise(false))
        .compose(working -> working
            ? store.touchIf(item).<Void>map(touched -> {
              counted("running", touched ? "spared_working" : "none");
              return null;
            })
            : stop(item, SandboxStatus.PAUSED, "idle for " + settings.idleTimeout().toMinutes() + " minutes",
                "running", "paused_idle"));
  }

  private Future<Void> stop(SandboxItem item, SandboxStatus target, String reason, String sweep, String change) {
    return teardown.stopAs(item, target, reason).compose(moved -> {
      if (moved.isEmpty()) {
        return Future.<Void>succeededFuture();
      }
      LOG.info("sandbox {} {}: {}", item.conversationId(), target.name().toLowerCase(), reason);
      counted(sweep, change);
      return moved.get().released();
    });
  }

  private Future<Boolean> pendingOwner(SandboxItem item) {
    if (!item.ownerPending() || owners == null) {
      return Future.succeededFuture(false);
    }
    return owners.resolveNow(item.conversationId())
        .onSuccess(found -> counted("owners", found ? "owner_recorded" : "none"))
        .otherwise(false);
  }

  private Future<?> orphanSweep(Set<String> tracked) {
    long graceEnd = System.currentTimeMillis() - ORPHAN_GRACE.toMillis();
    return provider.listTasks().compose(tasks -> {
      List<TaskSummary> candidates = tasks.stream()
          .filter(t -> !tracked.contains(t.taskArn()))
          .filter(t -> t.createdAt() == null || t.createdAt().toEpochMilli() < graceEnd).toList();
      List<String> ids = candidates.stream().map(TaskSummary::conversationId).filter(id -> id != null).toList();
      Future<List<SandboxItem>> items = ids.isEmpty() ? Future.succeededFuture(List.of()) : store.getAll(ids);
      return items.compose(found -> {
        Set<String> named = new HashSet<>();
        found.forEach(item -> track(item, named));
        List<TaskSummary> orphans = candidates.stream().filter(t -> !named.contains(t.taskArn())).toList();
        return Bounded.each(orphans, PARALLEL, task -> provider.stop(task.taskArn(),
                "orphan: no registry item names this task")
            .onSuccess(v -> {
              LOG.info("stopped orphan task {} (conversation {})", task.taskArn(), task.conversationId());
              counted("orphans", "stopped_orphan");
            }));
      });
    });
  }

  private Future<?> retentionSweep() {
    long cutoff = store.now() - settings.retention().toSeconds();
    List<Future<?>> sweeps = new ArrayList<>();
    for (SandboxStatus status : List.of(SandboxStatus.PAUSED, SandboxStatus.STOPPED)) {
      sweeps.add(store.forEachInStatus(status, 0, cutoff, page -> Bounded.each(page, PARALLEL, this::archive)));
    }
    return Future.all(sweeps);
  }

  private Future<?> archive(SandboxItem item) {
    Changes changes = Changes.none().set(WORKSPACE_REMOVAL_PENDING, true).set(LAST_ACTIVITY_AT, store.now())
        .remove(START_ENVIRONMENT);
    return store.transition(item, SandboxStatus.ARCHIVED, changes).compose(moved -> {
      metrics.transition(item.storedStatus(), "ARCHIVED", moved.isPresent() ? "ok" : "conflict");
      if (moved.isEmpty()) {
        return Future.succeededFuture();
      }
      LOG.info("sandbox {} archived after {} days without use", item.conversationId(), settings.retention().toDays());
      counted("retention", "archived");
      return cleanUp(moved.get());
    });
  }

  private Future<?> cleanupSweep() {
    long now = store.now();
    long from = now - CLEANUP_WINDOW.toSeconds();
    List<Future<?>> sweeps = new ArrayList<>();
    for (SandboxStatus status : STOPPED_STATUSES) {
      sweeps.add(store.forEachInStatus(status, from, now + 1, page -> Bounded.each(page.stream()
          .filter(item -> item.holdsResources() || item.workspaceRemovalPending()).toList(), PARALLEL,
          item -> cleanUp(item).onSuccess(v -> counted("cleanup", "released")))));
    }
    return Future.all(sweeps);
  }

  private Future<Void> cleanUp(SandboxItem item) {
    Future<Void> released = teardown.release(item, "sandbox " + item.status().name().toLowerCase());
    if (!item.workspaceRemovalPending()) {
      return released;
    }
    return released.compose(v -> data.removeWorkspace(item.conversationId()))
        .compose(v -> store.update(item, Changes.none().remove(WORKSPACE_REMOVAL_PENDING)))
        .mapEmpty();
  }

  private void counted(String sweep, String change) {
    if (!"none".equals(change)) {
      metrics.swept(sweep, change);
    }
  }

  private static void track(SandboxItem item, Set<String> arns) {
    if (item.taskArn() != null) {
      arns.add(item.taskArn());
    }
  }
}
