package dev.openhands.runtime.gateway.registry;

/** What the registry says about one conversation. "Unknown" is a value, so that it can be cached. */
public sealed interface SandboxRoute {

  /**
   * A sandbox that takes traffic.
   *
   * @param taskIp the task's private IPv4 address
   * @param ownerId Cognito {@code sub} of the owner; empty for a warm-pool task nobody owns yet
   */
  record Running(String taskIp, String ownerId) implements SandboxRoute {

    /** Whether nobody owns the sandbox yet ({@code user_id} empty or {@code anonymous}). */
    public boolean unowned() {
      return ownerId.isEmpty() || ownerId.equalsIgnoreCase("anonymous");
    }
  }

  /** A known conversation whose sandbox does not take traffic now; {@code status} as stored, upper-cased. */
  record NotRunning(String status) implements SandboxRoute {}

  /** No such conversation. */
  record Unknown() implements SandboxRoute {}

  SandboxRoute UNKNOWN = new Unknown();
}
