package dev.openhands.runtime.gateway.console;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.gateway.registry.PortShare;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * The console's view of the registry (row 24): one user's sandboxes, read through {@code user_id-index}, and the
 * shares of their ports, written only under the condition that the item's {@code user_id} is the caller's. Nothing
 * here reads or writes another user's item, and nothing reads what the gateway's role may not read.
 */
public final class OwnedSandboxes {

  /** Most sandboxes listed (newest first). */
  static final int MAX_LISTED = 500;
  private static final int PAGE = 100;

  /** One sandbox as the console shows it. */
  public record Sandbox(String conversationId, String status, long createdAt, long lastActivityAt,
      Map<Integer, PortShare> shares) {}

  private final DynamoDbAsyncClient dynamo;
  private final String table;

  public OwnedSandboxes(DynamoDbAsyncClient dynamo, String table) {
    this.dynamo = dynamo;
    this.table = table;
  }

  /** The sandboxes {@code userId} owns, newest first (at most {@link #MAX_LISTED}). */
  public CompletableFuture<List<Sandbox>> list(String userId) {
    return page(userId, null, new ArrayList<>());
  }

  private CompletableFuture<List<Sandbox>> page(String userId, Map<String, AttributeValue> start,
      List<Sandbox> found) {
    QueryRequest request = QueryRequest.builder()
        .tableName(table)
        .indexName(RegistrySchema.USER_INDEX)
        .keyConditionExpression("#u = :me")
        .projectionExpression("#id, #s, #c, #a, #sh")
        .expressionAttributeNames(Map.of("#u", RegistrySchema.USER_ID, "#id", RegistrySchema.CONVERSATION_ID,
            "#s", RegistrySchema.STATUS, "#c", RegistrySchema.CREATED_AT, "#a", RegistrySchema.LAST_ACTIVITY_AT,
            "#sh", RegistrySchema.SHARES))
        .expressionAttributeValues(Map.of(":me", AttributeValue.fromS(userId)))
        .scanIndexForward(false)
        .limit(PAGE)
        .exclusiveStartKey(start)
        .build();
    return dynamo.query(request).thenCompose(response -> {
      collect(response, found);
      boolean more = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty();
      return more && found.size() < MAX_LISTED ? page(userId, response.lastEvaluatedKey(), found)
          : CompletableFuture.completedFuture(List.copyOf(found.subList(0, Math.min(found.size(), MAX_LISTED))));
    });
  }

  private static void collect(QueryResponse response, List<Sandbox> found) {
    for (Map<String, AttributeValue> item : response.items()) {
      String id = string(item.get(RegistrySchema.CONVERSATION_ID));
      if (!RegistrySchema.isConversationId(id)) {
        continue;
      }
      found.add(new Sandbox(id, string(item.get(RegistrySchema.STATUS)).toUpperCase(java.util.Locale.ROOT),
          number(item.get(RegistrySchema.CREATED_AT)), number(item.get(RegistrySchema.LAST_ACTIVITY_AT)),
          PortShare.read(item.get(RegistrySchema.SHARES))));
    }
  }

  /**
   * Shares {@code port} of {@code userId}'s sandbox as {@code share} says. Completes with {@code false} when the
   * caller owns no such sandbox (it does not exist, or it is someone else's: the caller is not told which).
   */
  public CompletableFuture<Boolean> share(String userId, String conversationId, int port, PortShare share) {
    Map<String, String> names = Map.of("#u", RegistrySchema.USER_ID, "#sh", RegistrySchema.SHARES,
        "#p", Integer.toString(port));
    UpdateItemRequest intoMap = update(conversationId)
        .updateExpression("SET #sh.#p = :share")
        .conditionExpression("#u = :me AND attribute_exists(#sh)")
        .expressionAttributeNames(names)
        .expressionAttributeValues(Map.of(":me", AttributeValue.fromS(userId), ":share", share.toAttribute()))
        .build();
    Map<String, AttributeValue> first = new HashMap<>();
    first.put(Integer.toString(port), share.toAttribute());
    UpdateItemRequest newMap = update(conversationId)
        .updateExpression("SET #sh = :shares")
        .conditionExpression("#u = :me AND attribute_not_exists(#sh)")
        .expressionAttributeNames(Map.of("#u", RegistrySchema.USER_ID, "#sh", RegistrySchema.SHARES))
        .expressionAttributeValues(Map.of(":me", AttributeValue.fromS(userId),
            ":shares", AttributeValue.fromM(first)))
        .build();
    // The item has a shares map, or has none yet: one of the two writes applies (a race between them retries once).
    return conditional(intoMap).thenCompose(done -> done ? CompletableFuture.completedFuture(true)
        : conditional(newMap).thenCompose(created -> created ? CompletableFuture.completedFuture(true)
            : conditional(intoMap)));
  }

  /** Stops sharing {@code port}; {@code false} when the caller owns no such sandbox. */
  public CompletableFuture<Boolean> unshare(String userId, String conversationId, int port) {
    UpdateItemRequest remove = update(conversationId)
        .updateExpression("REMOVE #sh.#p")
        .conditionExpression("#u = :me AND attribute_exists(#sh)")
        .expressionAttributeNames(Map.of("#u", RegistrySchema.USER_ID, "#sh", RegistrySchema.SHARES,
            "#p", Integer.toString(port)))
        .expressionAttributeValues(Map.of(":me", AttributeValue.fromS(userId)))
        .build();
    // Without a shares map there is nothing to remove: an empty map is written, still only on the caller's own item
    // (the gateway's role may write shares and last_activity_at, nothing else).
    UpdateItemRequest owned = update(conversationId)
        .updateExpression("SET #sh = :none")
        .conditionExpression("#u = :me AND attribute_not_exists(#sh)")
        .expressionAttributeNames(Map.of("#u", RegistrySchema.USER_ID, "#sh", RegistrySchema.SHARES))
        .expressionAttributeValues(Map.of(":me", AttributeValue.fromS(userId), ":none", AttributeValue.fromM(Map.of())))
        .build();
    return conditional(remove).thenCompose(done -> done ? CompletableFuture.completedFuture(true)
        : conditional(owned));
  }

  private UpdateItemRequest.Builder update(String conversationId) {
    return UpdateItemRequest.builder().tableName(table)
        .key(Map.of(RegistrySchema.CONVERSATION_ID, AttributeValue.fromS(conversationId)));
  }

  /** Runs a conditional write: {@code true} when it applied, {@code false} when its condition did not hold. */
  private CompletableFuture<Boolean> conditional(UpdateItemRequest request) {
    return dynamo.updateItem(request).handle((response, err) -> {
      if (err == null) {
        return true;
      }
      Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      if (cause instanceof ConditionalCheckFailedException) {
        return false;
      }
      throw new CompletionException(cause);
    });
  }

  private static String string(AttributeValue value) {
    return value == null || value.s() == null ? "" : value.s();
  }

  private static long number(AttributeValue value) {
    try {
      return value == null || value.n() == null ? 0 : Long.parseLong(value.n());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
