package dev.openhands.runtime.orchestrator.api;

import dev.openhands.runtime.common.registry.SandboxStatus;
import dev.openhands.runtime.orchestrator.registry.SandboxItem;
import io.vertx.core.json.JsonObject;

/**
 * The runtime object the app's {@code RemoteSandboxService} reads: {@code session_id} and {@code runtime_id} (both
 * the conversation id), {@code status} and {@code pod_status} mapped as the app expects, {@code url} (the
 * agent-server, only while running), {@code session_api_key}, {@code image} and {@code user_id}.
 */
final class RuntimeView {

  private RuntimeView() {}

  static JsonObject of(SandboxItem item, int defaultAgentPort) {
    SandboxStatus status = item.status();
    int port = item.agentServerPort() > 0 ? item.agentServerPort() : defaultAgentPort;
    String url = status == SandboxStatus.RUNNING && item.taskIp() != null ? "http://" + item.taskIp() + ":" + port : "";
    JsonObject runtime = new JsonObject()
        .put("session_id", item.conversationId())
        .put("runtime_id", item.conversationId())
        .put("status", status(status))
        .put("pod_status", podStatus(status))
        .put("url", url)
        .put("session_api_key", item.sessionApiKey() == null ? "" : item.sessionApiKey())
        .put("image", item.sandboxSpecId() == null ? "" : item.sandboxSpecId())
        .put("user_id", item.owner() == null ? "" : item.owner());
    if (status == SandboxStatus.ERROR && item.statusReason() != null) {
      runtime.put("error", item.statusReason());
    }
    return runtime;
  }

  /** The app's {@code status}: running, starting, paused, stopped or error. */
  static String status(SandboxStatus status) {
    return switch (status) {
      case RUNNING -> "running";
      case STARTING -> "starting";
      case PAUSED, STOPPED -> "paused";
      case ARCHIVED -> "stopped";
      case ERROR -> "error";
    };
  }

  /** The app's {@code pod_status}: ready, pending, paused, stopped or failed. */
  static String podStatus(SandboxStatus status) {
    return switch (status) {
      case RUNNING -> "ready";
      case STARTING -> "pending";
      case PAUSED, STOPPED -> "paused";
      case ARCHIVED -> "stopped";
      case ERROR -> "failed";
    };
  }
}
