package dev.openhands.runtime.orchestrator.testkit;

import java.time.Duration;

/**
 * How a stand-in agent-server behaves.
 *
 * @param aliveAfter {@code /alive} answers 503 until this long after the server started, then 200
 * @param failing {@code /alive} always answers 500
 * @param working {@code /api/conversations/search} reports a conversation whose execution status is running
 */
public record AgentBehaviour(Duration aliveAfter, boolean failing, boolean working) {

  public static final AgentBehaviour READY = new AgentBehaviour(Duration.ZERO, false, false);

  public static AgentBehaviour slow(Duration aliveAfter) {
    return new AgentBehaviour(aliveAfter, false, false);
  }

  public static AgentBehaviour alwaysFailing() {
    return new AgentBehaviour(Duration.ZERO, true, false);
  }

  public static AgentBehaviour busy() {
    return new AgentBehaviour(Duration.ZERO, false, true);
  }
}
