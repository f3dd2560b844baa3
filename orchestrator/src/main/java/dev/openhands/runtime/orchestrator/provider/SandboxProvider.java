package dev.openhands.runtime.orchestrator.provider;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;

/**
 * Runs sandbox tasks: ECS Fargate tasks, or local processes. Every operation is idempotent (a repeat of a
 * finished one succeeds), so that a lifecycle step cut short by a crash can be done again by anyone; a task or
 * resource that no longer exists counts as stopped or released.
 */
public interface SandboxProvider {

  /** Makes the per-conversation resources a task needs (an EFS access point, a task-definition revision). */
  Future<Resources> prepare(String conversationId, long generation);

  /** Starts one task; completes with its handle once the provider accepted it. */
  Future<String> run(Launch launch);

  /** The state of the tasks named, one entry per handle; a task the provider does not know is gone. */
  Future<Map<String, TaskState>> describe(List<String> taskArns);

  /** Stops the task, saying why; completes once the provider accepted the stop. */
  Future<Void> stop(String taskArn, String reason);

  /** Releases what {@link #prepare} made. */
  Future<Void> release(Resources resources);

  /** Every task of the sandbox family the provider runs now (all pages). */
  Future<List<TaskSummary>> listTasks();

  /** Frees the provider's clients; local processes end with it. */
  default void close() {}
}
