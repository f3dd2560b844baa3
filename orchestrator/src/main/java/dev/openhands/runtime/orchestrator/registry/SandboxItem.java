package dev.openhands.runtime.orchestrator.registry;

import static dev.openhands.runtime.common.registry.RegistrySchema.ACCESS_POINT_ID;
import static dev.openhands.runtime.common.registry.RegistrySchema.AGENT_SERVER_PORT;
import static dev.openhands.runtime.common.registry.RegistrySchema.CONVERSATION_ID;
import static dev.openhands.runtime.common.registry.RegistrySchema.CREATED_AT;
import static dev.openhands.runtime.common.registry.RegistrySchema.GENERATION;
import static dev.openhands.runtime.common.registry.RegistrySchema.LAST_ACTIVITY_AT;
import static dev.openhands.runtime.common.registry.RegistrySchema.OWNER_PENDING;
import static dev.openhands.runtime.common.registry.RegistrySchema.SANDBOX_SPEC_ID;
import static dev.openhands.runtime.common.registry.RegistrySchema.SESSION_API_KEY;
import static dev.openhands.runtime.common.registry.RegistrySchema.STARTING_DEADLINE;
import static dev.openhands.runtime.common.registry.RegistrySchema.START_ENVIRONMENT;
import static dev.openhands.runtime.common.registry.RegistrySchema.STATUS;
import static dev.openhands.runtime.common.registry.RegistrySchema.STATUS_REASON;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_ARN;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_DEFINITION_ARN;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_IP;
import static dev.openhands.runtime.common.registry.RegistrySchema.USER_ID;
import static dev.openhands.runtime.common.registry.RegistrySchema.WORKSPACE_REMOVAL_PENDING;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.common.registry.SandboxStatus;
import dev.openhands.runtime.orchestrator.provider.Resources;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One registry item as the orchestrator reads it. {@code storedStatus} is the value exactly as stored (what a
 * conditional write must match); {@link #status()} is what it means, an unknown or legacy value ({@code WARM},
 * {@code CLAIMED}) reading as {@link SandboxStatus#ERROR}: a sandbox to be started afresh. Absent numbers read as 0,
 * absent strings as {@code null}.
 */
public record SandboxItem(
    String conversationId,
    String storedStatus,
    long generation,
    String taskIp,
    String userId,
    boolean ownerPending,
    long createdAt,
    long lastActivityAt,
    long startingDeadline,
    String taskArn,
    String accessPointId,
    String taskDefinitionArn,
    int agentServerPort,
    String sandboxSpecId,
    String sessionApiKey,
    Map<String, String> startEnvironment,
    String statusReason,
    boolean workspaceRemovalPending) {

  public SandboxItem {
    startEnvironment = startEnvironment == null ? Map.of() : Map.copyOf(startEnvironment);
  }

  public SandboxStatus status() {
    return SandboxStatus.parse(storedStatus).orElse(SandboxStatus.ERROR);
  }

  /** The per-conversation provider resources this item still names (they may exist and need releasing). */
  public Resources resources() {
    return new Resources(accessPointId, taskDefinitionArn);
  }

  /** Whether the item names a task or provider resources that may still exist. */
  public boolean holdsResources() {
    return taskArn != null || !resources().isEmpty();
  }

  /** The owner, or {@code null} while pending or when nobody owns it. */
  public String owner() {
    return ownerPending || RegistrySchema.isUnowned(userId) ? null : userId;
  }

  /** Reads an item; {@code null} for an empty map (no such conversation). */
  public static SandboxItem from(Map<String, AttributeValue> item) {
    if (item == null || item.isEmpty()) {
      return null;
    }
    Attributes a = new Attributes(item);
    return new SandboxItem(
        a.string(CONVERSATION_ID),
        a.string(STATUS),
        a.number(GENERATION),
        a.string(TASK_IP),
        a.string(USER_ID),
        a.bool(OWNER_PENDING),
        a.number(CREATED_AT),
        a.number(LAST_ACTIVITY_AT),
        a.number(STARTING_DEADLINE),
        a.string(TASK_ARN),
        a.string(ACCESS_POINT_ID),
        a.string(TASK_DEFINITION_ARN),
        (int) a.number(AGENT_SERVER_PORT),
        a.string(SANDBOX_SPEC_ID),
        a.string(SESSION_API_KEY),
        environment(a.string(START_ENVIRONMENT)),
        a.string(STATUS_REASON),
        a.bool(WORKSPACE_REMOVAL_PENDING));
  }

  /** The stored start environment: a JSON object of strings; anything else reads as empty. */
  static Map<String, String> environment(String json) {
    if (json == null) {
      return Map.of();
    }
    try {
      Map<String, String> environment = new LinkedHashMap<>();
      new JsonObject(json).forEach(e -> {
        if (e.getValue() instanceof String value) {
          environment.put(e.getKey(), value);
        }
      });
      return environment;
    } catch (DecodeException e) {
      return Map.of();
    }
  }

  private record Attributes(Map<String, AttributeValue> item) {

    String string(String name) {
      var value = item.get(name);
      return value == null || value.s() == null || value.s().isBlank() ? null : value.s();
    }

    long number(String name) {
      var value = item.get(name);
      if (value == null || value.n() == null) {
        return 0;
      }
      try {
        return Long.parseLong(value.n());
      } catch (NumberFormatException e) {
        return (long) Double.parseDouble(value.n());
      }
    }

    boolean bool(String name) {
      var value = item.get(name);
      return value != null && Boolean.TRUE.equals(value.bool());
    }
  }
}
