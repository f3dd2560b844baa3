package dev.openhands.runtime.orchestrator.provider;

/**
 * What a provider says about one task.
 *
 * @param phase where the task is in its life
 * @param ip its private address once it has one, else {@code null}
 * @param reason why it stopped, when it did
 */
public record TaskState(Phase phase, String ip, String reason) {

  public enum Phase {
    /** Accepted, not yet running (ECS: PROVISIONING, PENDING, ACTIVATING). */
    PENDING,
    /** Running; {@code ip} is set. */
    RUNNING,
    /** Stopping, stopped or unknown to the provider: it will not serve again. */
    GONE
  }

  public static TaskState gone(String reason) {
    return new TaskState(Phase.GONE, null, reason);
  }

  public boolean gone() {
    return phase == Phase.GONE;
  }
}
