package dev.openhands.runtime.orchestrator.lifecycle;

import dev.openhands.runtime.orchestrator.registry.SandboxItem;

/** How a lifecycle call ended, for the API to answer. */
public sealed interface Outcome {

  /** The sandbox, as the call left it. */
  record Found(SandboxItem item) implements Outcome {}

  /** No item for this conversation. */
  record Missing() implements Outcome {}

  /** The call cannot be done in the sandbox's state ({@code status} 409) or now (503); {@code detail} says why. */
  record Refused(int status, String detail) implements Outcome {}

  Outcome MISSING = new Missing();
}
