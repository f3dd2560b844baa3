package dev.openhands.runtime.common.registry;

import java.util.Locale;
import java.util.Optional;

/**
 * A sandbox's status as the registry stores it. Only {@link #RUNNING} with a task address is routable.
 * Stored values are compared case-insensitively: the original once routed nothing over a
 * {@code running}/{@code RUNNING} mismatch. The original also wrote {@code WARM} and {@code CLAIMED}; they parse
 * to empty here, which readers treat as "known, not running".
 */
public enum SandboxStatus {
  STARTING,
  RUNNING,
  PAUSED,
  STOPPED,
  ARCHIVED,
  ERROR;

  /** The status a stored value names, whatever its case; empty for a value this code does not know. */
  public static Optional<SandboxStatus> parse(String stored) {
    if (stored == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(valueOf(stored.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** Whether a sandbox in this status can be started again by {@code /start} or {@code /resume}. */
  public boolean resumable() {
    return this == PAUSED || this == STOPPED || this == ERROR;
  }

  /** Whether a task may exist for a sandbox in this status. */
  public boolean active() {
    return this == STARTING || this == RUNNING;
  }
}
