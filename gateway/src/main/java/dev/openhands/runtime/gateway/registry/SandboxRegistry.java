package dev.openhands.runtime.gateway.registry;

import static dev.openhands.runtime.common.registry.RegistrySchema.CONVERSATION_ID;
import static dev.openhands.runtime.common.registry.RegistrySchema.OWNER_PENDING;
import static dev.openhands.runtime.common.registry.RegistrySchema.SHARES;
import static dev.openhands.runtime.common.registry.RegistrySchema.STATUS;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_IP;
import static dev.openhands.runtime.common.registry.RegistrySchema.USER_ID;

import dev.openhands.runtime.common.registry.SandboxStatus;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/**
 * Reads sandbox routes from the registry table. Only {@code status}, {@code task_ip}, {@code user_id} and
 * {@code owner_pending} are read (a projection: the gateway's role may not read the sandbox's secrets); every
 * other attribute is ignored. Status is compared case-insensitively: only {@code RUNNING} with a {@code task_ip}
 * is routable.
 */
public final class SandboxRegistry {

  private static final String PROJECTION = "#s, " + TASK_IP + ", " + USER_ID + ", " + OWNER_PENDING + ", " + SHARES;

  private final DynamoDbAsyncClient dynamo;
  private final String table;

  public SandboxRegistry(DynamoDbAsyncClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  /** Looks one conversation up with a strongly consistent read; completes on an SDK thread. */
  public CompletableFuture<SandboxRoute> lookup(String conversationId) {
    GetItemRequest request = GetItemRequest.builder()
        .tableName(table)
        .key(Map.of(CONVERSATION_ID, AttributeValue.fromS(conversationId)))
        .projectionExpression(PROJECTION)
        .expressionAttributeNames(Map.of("#s", STATUS))
        .consistentRead(true)
        .build();
    return dynamo.getItem(request).thenApply(response -> toRoute(response.hasItem() ? response.item() : Map.of()));
  }

  static SandboxRoute toRoute(Map<String, AttributeValue> item) {
    if (item.isEmpty()) {
      return SandboxRoute.UNKNOWN;
    }
    String stored = string(item, STATUS);
    String taskIp = string(item, TASK_IP);
    AttributeValue pending = item.get(OWNER_PENDING);
    boolean ownerPending = pending != null && Boolean.TRUE.equals(pending.bool());
    Map<Integer, PortShare> shares = PortShare.read(item.get(SHARES));
    if (SandboxStatus.parse(stored).orElse(null) == SandboxStatus.RUNNING && !taskIp.isEmpty()) {
      return new SandboxRoute.Running(taskIp, string(item, USER_ID), ownerPending, shares);
    }
    return new SandboxRoute.NotRunning(stored.isEmpty() ? "UNKNOWN" : stored.toUpperCase(Locale.ROOT),
        string(item, USER_ID), ownerPending, shares);
  }

  private static String string(Map<String, AttributeValue> item, String name) {
    AttributeValue value = item.get(name);
    return value == null || value.s() == null ? "" : value.s().trim();
  }
}
