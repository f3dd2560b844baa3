package dev.openhands.runtime.orchestrator.lifecycle;

import static dev.openhands.runtime.common.registry.RegistrySchema.ACCESS_POINT_ID;
import static dev.openhands.runtime.common.registry.RegistrySchema.AGENT_SERVER_PORT;
import static dev.openhands.runtime.common.registry.RegistrySchema.CREATED_AT;
import static dev.openhands.runtime.common.registry.RegistrySchema.LAST_ACTIVITY_AT;
import static dev.openhands.runtime.common.registry.RegistrySchema.OWNER_PENDING;
import static dev.openhands.runtime.common.registry.RegistrySchema.SANDBOX_SPEC_ID;
import static dev.openhands.runtime.common.registry.RegistrySchema.SESSION_API_KEY;
import static dev.openhands.runtime.common.registry.RegistrySchema.STARTING_DEADLINE;
import static dev.openhands.runtime.common.registry.RegistrySchema.START_ENVIRONMENT;
import static dev.openhands.runtime.common.registry.RegistrySchema.STATUS_REASON;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_ARN;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_DEFINITION_ARN;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_IP;
import static dev.openhands.runtime.common.registry.RegistrySchema.USER_ID;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.common.registry.SandboxStatus;
import dev.openhands.runtime.orchestrator.ops.OrchestratorMetrics;
import dev.openhands.runtime.orchestrator.owner.OwnerResolver;
import dev.openhands.runtime.orchestrator.registry.Changes;
import dev.openhands.runtime.orchestrator.registry.SandboxItem;
import dev.openhands.runtime.orchestrator.registry.SandboxStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The sandbox lifecycle of DESIGN.md, one method per API call. Each arrow is one conditional write on the status and
 * generation read just before; a write that loses its race re-reads and answers from the winner's state, so that
 * any number of concurrent calls for one conversation start one task. Calls that start a sandbox answer within
 * {@link Settings#answerWithin()} with {@code RUNNING} or {@code STARTING}; the launch goes on in the background.
 */
public final class SandboxLifecycle {

  /** How many times a call re-reads after losing a race before it gives up with 503. */
  private static final int ATTEMPTS = 8;
  private static final SecureRandom RANDOM = new SecureRandom();

  /**
   * @param startTimeout how long a sandbox may stay {@code STARTING}
   * @param agentServerPort recorded on the item
   * @param answerWithin the longest a start or resume waits for {@code RUNNING} before it answers {@code STARTING}
   */
  public record Settings(Duration startTimeout, int agentServerPort, Duration answerWithin) {}

  private final Vertx vertx;
  private final SandboxStore store;
  private final Launcher launcher;
  private final Teardown teardown;
  private final OwnerResolver owners;
  private final ConversationData data;
  private final OrchestratorMetrics metrics;
  private final Settings settings;

  public SandboxLifecycle(Vertx vertx, SandboxStore store, Launcher launcher, Teardown teardown, OwnerResolver owners,
      ConversationData data, OrchestratorMetrics metrics, Settings settings) {
    this.vertx = vertx;
    this.store = store;
    this.launcher = launcher;
    this.teardown = teardown;
    this.owners = owners;
    this.data = data;
    this.metrics = metrics;
    this.settings = settings;
  }

  /** {@code POST /start}: idempotent; {@code RUNNING}/{@code STARTING} as is, {@code ARCHIVED} refused. */
  public Future<Outcome> start(StartRequest request) {
    return attempt(request.conversationId(), found -> {
      if (found == null) {
        return store.create(request.conversationId(), SandboxStatus.STARTING, startChanges(request, null))
            .compose(created -> created.isPresent() ? launched(null, created.get()) : Future.succeededFuture(null));
      }
      return switch (found.status()) {
        case RUNNING, STARTING -> Future.succeededFuture(new Outcome.Found(found));
        case ARCHIVED -> Future.succeededFuture(archived());
        default -> restart(found, startChanges(request, found));
      };
    });
  }

  /** {@code POST /resume}: a stopped sandbox starts again with its start environment and session key. */
  public Future<Outcome> resume(String conversationId) {
    return attempt(conversationId, found -> {
      if (found == null) {
        return Future.succeededFuture(Outcome.MISSING);
      }
      return switch (found.status()) {
        case RUNNING, STARTING -> Future.succeededFuture(new Outcome.Found(found));
        case ARCHIVED -> Future.succeededFuture(archived());
        default -> restart(found, resumeChanges(found));
      };
    });
  }

  /** {@code POST /pause} and {@code POST /stop}: the task stopped and cleaned up, status {@code target}. */
  public Future<Outcome> stop(String conversationId, SandboxStatus target) {
    return attempt(conversationId, found -> {
      if (found == null) {
        return Future.succeededFuture(Outcome.MISSING);
      }
      return switch (found.status()) {
        case ARCHIVED -> Future.succeededFuture(archived());
        case PAUSED, STOPPED -> teardown.release(found, Teardown.reason(found.status()))
            .map((Outcome) new Outcome.Found(found)).otherwise(new Outcome.Found(found));
        default -> stopTask(found, target).map(stopped -> stopped == null ? null : new Outcome.Found(stopped));
      };
    });
  }

  /** {@code POST /delete}: stopped, workspace and history removed, then the item. */
  public Future<Outcome> delete(String conversationId) {
    return attempt(conversationId, found -> {
      if (found == null) {
        return Future.succeededFuture(Outcome.MISSING);
      }
      Future<SandboxItem> stopped = found.status().active() || found.status() == SandboxStatus.ERROR
          ? stopTask(found, SandboxStatus.STOPPED)
          : teardown.release(found, "sandbox deleted").map(found);
      return stopped.compose(item -> item == null ? Future.succeededFuture(null)
          : data.removeWorkspace(conversationId)
              .compose(v -> data.removeHistory(item))
              .compose(v -> store.delete(item))
              .map(deleted -> deleted ? new Outcome.Found(item) : null));
    });
  }

  /** The item, or missing. */
  public Future<Outcome> get(String conversationId) {
    return store.get(conversationId).map(found -> found.<Outcome>map(Outcome.Found::new).orElse(Outcome.MISSING));
  }

  /** Every {@code STARTING} and {@code RUNNING} sandbox. */
  public Future<List<SandboxItem>> active() {
    return Future.all(store.allInStatus(SandboxStatus.STARTING), store.allInStatus(SandboxStatus.RUNNING))
        .map(both -> {
          List<SandboxItem> all = new ArrayList<>(both.<List<SandboxItem>>resultAt(0));
          all.addAll(both.<List<SandboxItem>>resultAt(1));
          return all;
        });
  }

  /** The items of these conversations that exist. */
  public Future<List<SandboxItem>> batch(List<String> conversationIds) {
    return store.getAll(conversationIds);
  }

  /** {@code POST /activity}: false when there is no such sandbox (nothing is created). */
  public Future<Boolean> activity(String conversationId) {
    return store.touch(conversationId);
  }

  /** Runs {@code step} on a fresh read until it answers (a {@code null} answer means "lost a race, read again"). */
  private Future<Outcome> attempt(String conversationId, Function<SandboxItem, Future<Outcome>> step) {
    return attempt(conversationId, step, 0);
  }

  private Future<Outcome> attempt(String conversationId, Function<SandboxItem, Future<Outcome>> step, int attempt) {
    if (attempt >= ATTEMPTS) {
      return Future.succeededFuture(new Outcome.Refused(503, "the sandbox is changing too fast, try again"));
    }
    return store.get(conversationId)
        .compose(found -> step.apply(found.orElse(null)))
        .compose(outcome -> outcome != null ? Future.succeededFuture(outcome)
            : attempt(conversationId, step, attempt + 1));
  }

  /** Releases what a stopped sandbox still names, then moves it to {@code STARTING} and launches it. */
  private Future<Outcome> restart(SandboxItem found, Changes changes) {
    return teardown.release(found, "replaced by a new start")
        .compose(v -> store.transition(found, SandboxStatus.STARTING, changes))
        .compose(moved -> {
          metrics.transition(found.storedStatus(), "STARTING", moved.isPresent() ? "ok" : "conflict");
          return moved.isPresent() ? launched(found, moved.get()) : Future.succeededFuture(null);
        });
  }

  /** Launches {@code starting} and answers once it is up or {@code answerWithin} passed. */
  private Future<Outcome> launched(SandboxItem before, SandboxItem starting) {
    if (before == null) {
      metrics.transition(null, "STARTING", "ok");
    }
    if (starting.ownerPending() && owners != null) {
      owners.resolveSoon(starting.conversationId());
    }
    Future<SandboxItem> launch = launcher.launch(starting);
    return withinAnswerWindow(launch, starting).map(Outcome.Found::new);
  }

  /** Moves an active (or failed) sandbox to {@code target} and tears it down; {@code null} when it changed. */
  private Future<SandboxItem> stopTask(SandboxItem found, SandboxStatus target) {
    return teardown.stopAs(found, target, Teardown.reason(target)).compose(moved -> {
      if (moved.isEmpty()) {
        return Future.succeededFuture(null);
      }
      SandboxItem stopped = moved.get().item();
      return withinAnswerWindow(moved.get().released().map(stopped), stopped);
    });
  }

  /**
   * What {@code work} completes with, or {@code meanwhile} once {@link Settings#answerWithin()} has passed or when
   * it fails; the work goes on either way.
   */
  private <T> Future<T> withinAnswerWindow(Future<T> work, T meanwhile) {
    Promise<T> answer = Promise.promise();
    long timer = vertx.setTimer(settings.answerWithin().toMillis(), id -> answer.tryComplete(meanwhile));
    work.onComplete(ar -> {
      vertx.cancelTimer(timer);
      answer.tryComplete(ar.succeeded() ? ar.result() : meanwhile);
    });
    return answer.future();
  }

  private Changes startChanges(StartRequest request, SandboxItem existing) {
    long now = store.now();
    Changes changes = launchChanges(now)
        .set(CREATED_AT, existing != null && existing.createdAt() > 0 ? existing.createdAt() : now)
        .set(SESSION_API_KEY, newSessionKey())
        .set(START_ENVIRONMENT, new JsonObject(Map.copyOf(request.environment())).encode())
        .set(SANDBOX_SPEC_ID, request.image() != null ? request.image() : existing == null ? null
            : existing.sandboxSpecId());
    if (request.userId() != null && !RegistrySchema.isUnowned(request.userId())) {
      changes.set(USER_ID, request.userId()).remove(OWNER_PENDING);
    } else if (existing == null || existing.owner() == null) {
      changes.remove(USER_ID).set(OWNER_PENDING, true);
    }
    return changes;
  }

  private Changes resumeChanges(SandboxItem existing) {
    long now = store.now();
    Changes changes = launchChanges(now);
    if (existing.sessionApiKey() == null) {
      changes.set(SESSION_API_KEY, newSessionKey());
    }
    if (existing.createdAt() == 0) {
      changes.set(CREATED_AT, now);
    }
    if (existing.owner() == null && !existing.ownerPending()) {
      changes.remove(USER_ID).set(OWNER_PENDING, true);
    }
    return changes;
  }

  /** What every move to {@code STARTING} writes: a deadline, and no task, address or reason of before. */
  private Changes launchChanges(long now) {
    return Changes.none()
        .set(STARTING_DEADLINE, now + settings.startTimeout().toSeconds())
        .set(LAST_ACTIVITY_AT, now)
        .set(AGENT_SERVER_PORT, settings.agentServerPort())
        .remove(TASK_IP).remove(TASK_ARN).remove(ACCESS_POINT_ID).remove(TASK_DEFINITION_ARN).remove(STATUS_REASON);
  }

  private static Outcome archived() {
    return new Outcome.Refused(409, "the sandbox is archived: its workspace was removed after the retention period"
        + " (the conversation's history stays readable in the app)");
  }

  /** A new agent-server key: 32 random bytes, URL-safe base64. */
  static String newSessionKey() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
