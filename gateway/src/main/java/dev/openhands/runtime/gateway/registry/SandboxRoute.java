package dev.openhands.runtime.gateway.registry;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.common.registry.SandboxStatus;
import java.util.Map;
import java.util.Optional;

/** What the registry says about one conversation. "Unknown" is a value, so that it can be cached. */
public sealed interface SandboxRoute {

  /** A conversation the registry knows: who owns it and how its ports are shared, whatever its status. */
  sealed interface Known extends SandboxRoute {

    /** Cognito {@code sub} of the owner; empty for a sandbox nobody owns yet. */
    String ownerId();

    /** Whether the orchestrator has not yet learned the owner (row 21: nobody gets in). */
    boolean ownerPending();

    /** The owner's shares, by port (row 22); a port without one is owner-only. */
    Map<Integer, PortShare> shares();

    /** Whether nobody owns the sandbox ({@code user_id} absent, empty or {@code anonymous}). */
    default boolean unowned() {
      return RegistrySchema.isUnowned(ownerId());
    }
  }

  /**
   * A sandbox that takes traffic.
   *
   * @param taskIp the task's private IPv4 address
   */
  record Running(String taskIp, String ownerId, boolean ownerPending, Map<Integer, PortShare> shares)
      implements Known {

    public Running {
      shares = Map.copyOf(shares);
    }

    /** A sandbox whose owner is known (or that nobody owns), with no port shared. */
    public Running(String taskIp, String ownerId) {
      this(taskIp, ownerId, false, Map.of());
    }

    public Running(String taskIp, String ownerId, boolean ownerPending) {
      this(taskIp, ownerId, ownerPending, Map.of());
    }
  }

  /** A known conversation whose sandbox does not take traffic now; {@code status} as stored, upper-cased. */
  record NotRunning(String status, String ownerId, boolean ownerPending, Map<Integer, PortShare> shares)
      implements Known {

    public NotRunning {
      shares = Map.copyOf(shares);
    }

    /** A sandbox nobody owns, in {@code status}. */
    public NotRunning(String status) {
      this(status, "", false, Map.of());
    }

    /** The status, when it is one this code knows. */
    public Optional<SandboxStatus> parsed() {
      return SandboxStatus.parse(status);
    }
  }

  /** No such conversation. */
  record Unknown() implements SandboxRoute {}

  SandboxRoute UNKNOWN = new Unknown();
}
