package dev.openhands.runtime.gateway.registry;

import dev.openhands.runtime.common.registry.RegistrySchema;

/** What the registry says about one conversation. "Unknown" is a value, so that it can be cached. */
public sealed interface SandboxRoute {

  /**
   * A sandbox that takes traffic.
   *
   * @param taskIp the task's private IPv4 address
   * @param ownerId Cognito {@code sub} of the owner; empty for a sandbox nobody owns yet
   * @param ownerPending whether the orchestrator has not yet learned the owner (row 21: nobody gets in)
   */
  record Running(String taskIp, String ownerId, boolean ownerPending) implements SandboxRoute {

    /** A sandbox whose owner is known (or that nobody owns). */
    public Running(String taskIp, String ownerId) {
      this(taskIp, ownerId, false);
    }

    /** Whether nobody owns the sandbox ({@code user_id} absent, empty or {@code anonymous}). */
    public boolean unowned() {
      return RegistrySchema.isUnowned(ownerId);
    }
  }

  /** A known conversation whose sandbox does not take traffic now; {@code status} as stored, upper-cased. */
  record NotRunning(String status) implements SandboxRoute {}

  /** No such conversation. */
  record Unknown() implements SandboxRoute {}

  SandboxRoute UNKNOWN = new Unknown();
}
