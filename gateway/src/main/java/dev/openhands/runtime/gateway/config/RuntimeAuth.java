package dev.openhands.runtime.gateway.config;

/** Who may open a runtime address. */
public enum RuntimeAuth {
  /** Only the sandbox's owner; a sandbox without an owner is open to any signed-in user. */
  OWNER,
  /** Anyone who reaches the gateway through the origin check. */
  NONE
}
