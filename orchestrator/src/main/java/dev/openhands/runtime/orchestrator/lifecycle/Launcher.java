package dev.openhands.runtime.orchestrator.lifecycle;

import static dev.openhands.runtime.common.registry.RegistrySchema.ACCESS_POINT_ID;
import static dev.openhands.runtime.common.registry.RegistrySchema.LAST_ACTIVITY_AT;
import static dev.openhands.runtime.common.registry.RegistrySchema.STARTING_DEADLINE;
import static dev.openhands.runtime.common.registry.RegistrySchema.STATUS_REASON;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_ARN;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_DEFINITION_ARN;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_IP;

import dev.openhands.runtime.common.registry.SandboxStatus;
import dev.openhands.runtime.orchestrator.agent.AgentServer;
import dev.openhands.runtime.orchestrator.ops.OrchestratorMetrics;
import dev.openhands.runtime.orchestrator.provider.Launch;
import dev.openhands.runtime.orchestrator.provider.Resources;
import dev.openhands.runtime.orchestrator.provider.SandboxProvider;
import dev.openhands.runtime.orchestrator.provider.TaskState;
import dev.openhands.runtime.orchestrator.registry.Changes;
import dev.openhands.runtime.orchestrator.registry.SandboxItem;
import dev.openhands.runtime.orchestrator.registry.SandboxStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a {@code STARTING} sandbox up, one recorded step at a time: {@code prepare} (provider resources, recorded),
 * {@code run} (the task, recorded), {@code address} (the task's IP, recorded), {@code alive} (the agent-server
 * answers {@code /alive}), then the transition to {@code RUNNING}. Every record is a write conditional on the
 * generation the launch belongs to: when someone else changed the item meanwhile (a pause, a stop), the launch
 * stops, releases what it made that no item names, and answers the item as the other party left it. Any failure,
 * or the start deadline passing, moves the sandbox to {@code ERROR} and tears it down.
 */
public final class Launcher {

  private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);
  /** Variables every sandbox gets on top of its start environment. */
  public static final String CONVERSATION_ID_VARIABLE = "CONVERSATION_ID";
  public static final String USER_ID_VARIABLE = "USER_ID";
  public static final String SESSION_API_KEY_VARIABLE = "OH_SESSION_API_KEYS_0";

  /**
   * @param agentServerPort where {@code /alive} is asked
   * @param pollInterval the first wait between two looks at a task or its agent-server (doubling to 2 s)
   */
  public record Settings(int agentServerPort, Duration pollInterval) {}

  private final Vertx vertx;
  private final SandboxStore store;
  private final SandboxProvider provider;
  private final AgentServer agent;
  private final Teardown teardown;
  private final OrchestratorMetrics metrics;
  private final Settings settings;
  private final Map<String, Future<SandboxItem>> inFlight = new ConcurrentHashMap<>();

  public Launcher(Vertx vertx, SandboxStore store, SandboxProvider provider, AgentServer agent, Teardown teardown,
      OrchestratorMetrics metrics, Settings settings) {
    this.vertx = vertx;
    this.store = store;
    this.provider = provider;
    this.agent = agent;
    this.teardown = teardown;
    this.metrics = metrics;
    this.settings = settings;
  }

  /** Why a start failed; its message becomes the item's {@code status_reason}. */
  static final class StartFailed extends RuntimeException {
    StartFailed(String message) {
      super(message, null, false, false);
    }
  }

  /** A write lost to someone else's: the launch ends with the item as they left it. */
  private static final class Superseded extends RuntimeException {
    Superseded() {
      super(null, null, false, false);
    }
  }

  /**
   * Brings up {@code starting}, which this instance has just moved to {@code STARTING}; completes with the final
   * item ({@code RUNNING}, {@code ERROR}, or another party's state). Never fails.
   */
  public Future<SandboxItem> launch(SandboxItem starting) {
    Attempt attempt = new Attempt(starting);
    Future<SandboxItem> done = attempt.run();
    inFlight.put(starting.conversationId(), done);
    done.onComplete(ar -> inFlight.remove(starting.conversationId(), done));
    return done;
  }

  /** The launch this instance runs for the conversation, if any. */
  public Optional<Future<SandboxItem>> inFlight(String conversationId) {
    return Optional.ofNullable(inFlight.get(conversationId));
  }

  /** Number of launches this instance is running. */
  public int launching() {
    return inFlight.size();
  }

  /**
   * For the reconciler: takes one look at a {@code STARTING} sandbox this instance is not launching, and moves it on
   * if it can: to {@code ERROR} past its deadline or when its task is gone, to {@code RUNNING} when its recorded task
   * answers. A sandbox whose task is not recorded yet is left to its launcher (possibly another instance) until the
   * deadline. Completes with what it changed: {@code running}, {@code failed} or {@code none}.
   */
  public Future<String> advance(SandboxItem starting) {
    if (inFlight.containsKey(starting.conversationId())) {
      return Future.succeededFuture("none");
    }
    if (store.now() >= starting.startingDeadline()) {
      return fail(starting, "did not start within the start timeout").map(item -> "failed");
    }
    if (starting.taskArn() == null) {
      return Future.succeededFuture("none");
    }
    Future<SandboxItem> addressed = starting.taskIp() != null ? Future.succeededFuture(starting)
        : provider.describe(List.of(starting.taskArn())).compose(states -> {
          TaskState state = stateOf(states, starting.taskArn());
          if (state.gone()) {
            return Future.failedFuture(new StartFailed("the task stopped: " + state.reason()));
          }
          return state.ip() == null ? Future.succeededFuture(null)
              : store.update(starting, Changes.none().set(TASK_IP, state.ip())).map(o -> o.orElse(null));
        });
    return addressed.compose(item -> item == null || item.taskIp() == null ? Future.succeededFuture("none")
            : agent.alive(item.taskIp(), port(item)).compose(alive -> alive
                ? promote(item).map(promoted -> promoted.isPresent() ? "running" : "none")
                : Future.succeededFuture("none")))
        .recover(err -> err instanceof StartFailed ? fail(starting, err.getMessage()).map(i -> "failed")
            : Future.failedFuture(err));
  }

  /**
   * Moves {@code starting} to {@code ERROR} with {@code reason} and tears it down; completes with the item as it
   * ends (someone else's state when they changed it first).
   */
  public Future<SandboxItem> fail(SandboxItem starting, String reason) {
    Changes changes = Changes.none().set(STATUS_REASON, reason).remove(TASK_IP).remove(STARTING_DEADLINE)
        .set(LAST_ACTIVITY_AT, store.now());
    return store.transition(starting, SandboxStatus.ERROR, changes).compose(done -> {
      metrics.transition(starting.storedStatus(), "ERROR", done.isPresent() ? "ok" : "conflict");
      if (done.isEmpty()) {
        return current(starting);
      }
      LOG.info("sandbox {} failed to start: {}", starting.conversationId(), reason);
      return teardown.release(done.get(), "sandbox failed to start: " + reason).map(done.get()).otherwise(done.get());
    });
  }

  /** The provider's word on one task; a task it did not mention is gone. */
  private static TaskState stateOf(Map<String, TaskState> states, String taskArn) {
    return states.getOrDefault(taskArn, TaskState.gone("unknown task"));
  }

  private Future<Optional<SandboxItem>> promote(SandboxItem item) {
    Changes changes = Changes.none().set(LAST_ACTIVITY_AT, store.now()).remove(STARTING_DEADLINE)
        .remove(STATUS_REASON);
    return store.transition(item, SandboxStatus.RUNNING, changes).onSuccess(done ->
        metrics.transition(item.storedStatus(), "RUNNING", done.isPresent() ? "ok" : "conflict"));
  }

  private Future<SandboxItem> current(SandboxItem item) {
    return store.get(item.conversationId()).map(found -> found.orElse(item));
  }

  private int port(SandboxItem item) {
    return item.agentServerPort() > 0 ? item.agentServerPort() : settings.agentServerPort();
  }

  /** The container environment: the start environment, then the variables the orchestrator owns. */
  static Map<String, String> environment(SandboxItem item) {
    Map<String, String> environment = new LinkedHashMap<>(item.startEnvironment());
    environment.put(CONVERSATION_ID_VARIABLE, item.conversationId());
    if (item.owner() != null) {
      environment.put(USER_ID_VARIABLE, item.owner());
    } else {
      environment.remove(USER_ID_VARIABLE);
    }
    environment.put(SESSION_API_KEY_VARIABLE, item.sessionApiKey());
    return environment;
  }

  /** One launch: the item as last recorded, and what it made that the item may not name yet. */
  private final class Attempt {
    private SandboxItem item;
    private Resources unrecordedResources;
    private String unrecordedTask;
    private final long startedNanos = System.nanoTime();

    Attempt(SandboxItem starting) {
      this.item = starting;
    }

    Future<SandboxItem> run() {
      return step("prepare", this::prepare)
          .compose(v -> step("run", this::runTask))
          .compose(v -> step("address", this::address))
          .compose(v -> step("alive", this::alive))
          .compose(v -> promote(item).compose(done -> done.isPresent() ? Future.succeededFuture(done.get())
              : Future.failedFuture(new Superseded())))
          .onSuccess(running -> metrics.start("running", System.nanoTime() - startedNanos))
          .recover(this::ended);
    }

    private Future<Void> step(String name, Function<Void, Future<Void>> body) {
      long started = System.nanoTime();
      return body.apply(null).onSuccess(v -> metrics.startStep(name, System.nanoTime() - started));
    }

    private Future<Void> prepare(Void ignored) {
      return provider.prepare(item.conversationId(), item.generation())
          .recover(err -> Future.failedFuture(new StartFailed("preparing the sandbox failed: " + err.getMessage())))
          .compose(resources -> {
            unrecordedResources = resources;
            return record(Changes.none().set(ACCESS_POINT_ID, resources.accessPointId())
                .set(TASK_DEFINITION_ARN, resources.taskDefinitionArn()))
                .onSuccess(v -> unrecordedResources = null);
          });
    }

    private Future<Void> runTask(Void ignored) {
      Launch launch = new Launch(item.conversationId(), item.generation(), item.resources(), environment(item),
          item.owner());
      return provider.run(launch)
          .recover(err -> Future.failedFuture(new StartFailed("running the task failed: " + err.getMessage())))
          .compose(taskArn -> {
            unrecordedTask = taskArn;
            return record(Changes.none().set(TASK_ARN, taskArn)).onSuccess(v -> unrecordedTask = null);
          });
    }

    private Future<Void> address(Void ignored) {
      return poll(() -> provider.describe(List.of(item.taskArn())).map(states -> {
        TaskState state = stateOf(states, item.taskArn());
        if (state.gone()) {
          throw new StartFailed("the task stopped: " + state.reason());
        }
        return state.ip();
      })).compose(ip -> record(Changes.none().set(TASK_IP, ip)));
    }

    private Future<Void> alive(Void ignored) {
      return poll(() -> agent.alive(item.taskIp(), port(item)).map(up -> up ? Boolean.TRUE : null)).mapEmpty();
    }

    private Future<Void> record(Changes changes) {
      return store.update(item, changes).compose(done -> {
        if (done.isEmpty()) {
          return Future.failedFuture(new Superseded());
        }
        item = done.get();
        return Future.succeededFuture();
      });
    }

    /** Asks {@code probe} until it answers non-null, waiting longer each time, failing at the start deadline. */
    private <T> Future<T> poll(java.util.function.Supplier<Future<T>> probe) {
      Promise<T> result = Promise.promise();
      ask(probe, result, settings.pollInterval().toMillis());
      return result.future();
    }

    private <T> void ask(java.util.function.Supplier<Future<T>> probe, Promise<T> result, long waitMs) {
      probe.get().onComplete(ar -> {
        if (ar.failed() && ar.cause() instanceof StartFailed) {
          result.fail(ar.cause());
        } else if (ar.succeeded() && ar.result() != null) {
          result.complete(ar.result());
        } else if (store.now() >= item.startingDeadline()) {
          result.fail(new StartFailed("did not start within the start timeout"));
        } else {
          vertx.setTimer(waitMs, id -> ask(probe, result, Math.min(2000, waitMs * 2)));
        }
      });
    }

    /** The launch is over without RUNNING: fail the sandbox, or leave it to whoever changed it. */
    private Future<SandboxItem> ended(Throwable err) {
      Future<Void> released = teardown.releaseUnrecorded(unrecordedTask, unrecordedResources,
          "the sandbox's start was superseded").otherwiseEmpty();
      if (err instanceof Superseded) {
        LOG.info("start of {} superseded by another change", item.conversationId());
        metrics.start("superseded", System.nanoTime() - startedNanos);
        return released.compose(v -> current(item));
      }
      String reason = err instanceof StartFailed ? err.getMessage() : "start failed: " + err;
      if (!(err instanceof StartFailed)) {
        LOG.warn("start of {} failed", item.conversationId(), err);
      }
      metrics.start("error", System.nanoTime() - startedNanos);
      return released.compose(v -> fail(item, reason)).otherwise(item);
    }
  }
}
