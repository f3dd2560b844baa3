package dev.openhands.runtime.orchestrator.provider;

/**
 * The per-conversation resources a provider makes before it runs a task, recorded on the item so that whoever
 * tears the sandbox down (this instance, another, or the reconciler after a crash) can release them.
 *
 * @param accessPointId the EFS access point of the conversation's workspace, or {@code null}
 * @param taskDefinitionArn the task-definition revision registered for the conversation, or {@code null}
 */
public record Resources(String accessPointId, String taskDefinitionArn) {

  public static final Resources NONE = new Resources(null, null);

  public boolean isEmpty() {
    return accessPointId == null && taskDefinitionArn == null;
  }
}
