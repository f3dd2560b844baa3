package dev.openhands.runtime.gateway.registry;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

/**
 * Reads sandbox routes from the registry table (partition key {@code conversation_id}). Only
 * {@code status}, {@code task_ip} and {@code user_id} are read; every other attribute is ignored.
 * Status is compared case-insensitively: only {@code RUNNING} with a {@code task_ip} is routable.
 */
public final class SandboxRegistry {

  static final String KEY = "conversation_id";
  private static final String PROJECTION = "#s, task_ip, user_id";

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
        .key(Map.of(KEY, AttributeValue.fromS(conversationId)))
        .projectionExpression(PROJECTION)
        .expressionAttributeNames(Map.of("#s", "status"))
        .consistentRead(true)
        .build();
    return dynamo.getItem(request).thenApply(response -> toRoute(response.hasItem() ? response.item() : Map.of()));
  }

  static SandboxRoute toRoute(Map<String, AttributeValue> item) {
    if (item.isEmpty()) {
      return SandboxRoute.UNKNOWN;
    }
    String status = string(item, "status").toUpperCase(Locale.ROOT);
    String taskIp = string(item, "task_ip");
    if (status.equals("RUNNING") && !taskIp.isEmpty()) {
      return new SandboxRoute.Running(taskIp, string(item, "user_id"));
    }
    return new SandboxRoute.NotRunning(status.isEmpty() ? "UNKNOWN" : status);
  }

  private static String string(Map<String, AttributeValue> item, String name) {
    AttributeValue value = item.get(name);
    return value == null || value.s() == null ? "" : value.s().trim();
  }
}
