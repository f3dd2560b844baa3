package dev.openhands.runtime.orchestrator.provider.ecs;

import dev.openhands.runtime.orchestrator.provider.TaskState;
import java.util.Set;
import software.amazon.awssdk.services.ecs.model.Attachment;
import software.amazon.awssdk.services.ecs.model.KeyValuePair;
import software.amazon.awssdk.services.ecs.model.Task;

/** What an ECS task's {@code lastStatus}, {@code desiredStatus} and ENI attachment mean for a sandbox. */
final class TaskStates {

  private static final Set<String> GONE = Set.of("DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED", "DELETED");

  private TaskStates() {}

  static TaskState of(Task task) {
    String last = task.lastStatus() == null ? "" : task.lastStatus();
    if (GONE.contains(last) || "STOPPED".equals(task.desiredStatus())) {
      String reason = task.stoppedReason() != null ? task.stoppedReason()
          : "the task is " + last.toLowerCase(java.util.Locale.ROOT);
      return TaskState.gone(reason);
    }
    String ip = privateIp(task);
    if ("RUNNING".equals(last) && ip != null) {
      return new TaskState(TaskState.Phase.RUNNING, ip, null);
    }
    return new TaskState(TaskState.Phase.PENDING, ip, null);
  }

  /** The task's private IPv4 address: its ENI attachment's {@code privateIPv4Address}, else a container's. */
  static String privateIp(Task task) {
    for (Attachment attachment : task.attachments()) {
      if ("ElasticNetworkInterface".equals(attachment.type())) {
        for (KeyValuePair detail : attachment.details()) {
          if ("privateIPv4Address".equals(detail.name()) && detail.value() != null && !detail.value().isBlank()) {
            return detail.value();
          }
        }
      }
    }
    return task.containers().stream().flatMap(c -> c.networkInterfaces().stream())
        .map(n -> n.privateIpv4Address()).filter(ip -> ip != null && !ip.isBlank()).findFirst().orElse(null);
  }
}
