package dev.openhands.runtime.gateway.testkit;

import dev.openhands.runtime.common.registry.RegistrySchema;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The sandbox registry table as the design describes it: partition key {@code conversation_id}, GSIs
 * {@code status-index} and {@code user_id-index}; items with the attributes the gateway reads plus some it must
 * ignore; and direct reads and writes for tests.
 */
public final class RegistryTable {

  private final DynamoDbAsyncClient dynamo;
  private final String name;

  public RegistryTable(DynamoDbAsyncClient dynamo, String name) {
    this.dynamo = dynamo;
    this.name = name;
  }

  public String name() {
    return name;
  }

  /** Creates the table unless it exists already (a DynamoDB Local that keeps its data on disk). */
  public RegistryTable createIfMissing() {
    boolean exists = dynamo.listTables().join().tableNames().contains(name);
    return exists ? this : create();
  }

  /** Creates the table with both indexes of the design, and waits until it exists. */
  public RegistryTable create() {
    dynamo.createTable(b -> b.tableName(name)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(
            attribute(RegistrySchema.CONVERSATION_ID, ScalarAttributeType.S),
            attribute(RegistrySchema.STATUS, ScalarAttributeType.S),
            attribute(RegistrySchema.LAST_ACTIVITY_AT, ScalarAttributeType.N),
            attribute(RegistrySchema.USER_ID, ScalarAttributeType.S),
            attribute(RegistrySchema.CREATED_AT, ScalarAttributeType.N))
        .keySchema(KeySchemaElement.builder().attributeName(RegistrySchema.CONVERSATION_ID).keyType(KeyType.HASH)
            .build())
        .globalSecondaryIndexes(
            index(RegistrySchema.STATUS_INDEX, RegistrySchema.STATUS, RegistrySchema.LAST_ACTIVITY_AT),
            index(RegistrySchema.USER_INDEX, RegistrySchema.USER_ID, RegistrySchema.CREATED_AT)))
        .join();
    dynamo.waiter().waitUntilTableExists(b -> b.tableName(name)).join();
    return this;
  }

  private static AttributeDefinition attribute(String name, ScalarAttributeType type) {
    return AttributeDefinition.builder().attributeName(name).attributeType(type).build();
  }

  private static GlobalSecondaryIndex index(String name, String partition, String sort) {
    return GlobalSecondaryIndex.builder()
        .indexName(name)
        .keySchema(
            KeySchemaElement.builder().attributeName(partition).keyType(KeyType.HASH).build(),
            KeySchemaElement.builder().attributeName(sort).keyType(KeyType.RANGE).build())
        .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
        .build();
  }

  /** The item as stored, or an empty map. */
  public Map<String, AttributeValue> get(String conversationId) {
    var response = dynamo.getItem(b -> b.tableName(name).consistentRead(true)
        .key(Map.of(RegistrySchema.CONVERSATION_ID, AttributeValue.fromS(conversationId)))).join();
    return response.hasItem() ? response.item() : Map.of();
  }

  /** Sets attributes of an existing item directly (a test moving time or state). */
  public void set(String conversationId, Map<String, AttributeValue> attributes) {
    Map<String, String> names = new HashMap<>();
    Map<String, AttributeValue> values = new HashMap<>();
    StringBuilder expression = new StringBuilder("SET ");
    int n = 0;
    for (Map.Entry<String, AttributeValue> e : attributes.entrySet()) {
      names.put("#a" + n, e.getKey());
      values.put(":v" + n, e.getValue());
      expression.append(n == 0 ? "" : ", ").append("#a").append(n).append(" = :v").append(n);
      n++;
    }
    dynamo.updateItem(b -> b.tableName(name)
        .key(Map.of(RegistrySchema.CONVERSATION_ID, AttributeValue.fromS(conversationId)))
        .updateExpression(expression.toString()).expressionAttributeNames(names).expressionAttributeValues(values))
        .join();
  }

  /**
   * Shares {@code port} as the owner's console does, in the registry's wire form: {@code shares.{port} = {level,
   * users}} ({@code users} only when some are named).
   */
  public void share(String conversationId, int port, String level, String... users) {
    Map<String, AttributeValue> share = new HashMap<>();
    share.put("level", AttributeValue.fromS(level));
    if (users.length > 0) {
      share.put("users", AttributeValue.fromSs(java.util.List.of(users)));
    }
    Map<String, AttributeValue> shares = new HashMap<>(get(conversationId).getOrDefault("shares",
        AttributeValue.fromM(Map.of())).m());
    shares.put(Integer.toString(port), AttributeValue.fromM(share));
    set(conversationId, Map.of("shares", AttributeValue.fromM(shares)));
  }

  /** Every item of the table (a scan; tests only). */
  public java.util.List<Map<String, AttributeValue>> all() {
    return dynamo.scan(b -> b.tableName(name).consistentRead(true)).join().items();
  }

  /** Registers (or replaces) a sandbox. */
  public void put(String conversationId, String status, String taskIp, String userId) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("conversation_id", AttributeValue.fromS(conversationId));
    item.put("status", AttributeValue.fromS(status));
    if (taskIp != null) {
      item.put("task_ip", AttributeValue.fromS(taskIp));
    }
    if (userId != null && !userId.isEmpty()) {
      // An empty string cannot be a key of user_id-index: "nobody owns it" is an absent user_id.
      item.put("user_id", AttributeValue.fromS(userId));
    }
    item.put("last_activity_at", AttributeValue.fromN(Long.toString(Instant.now().getEpochSecond())));
    item.put("task_arn", AttributeValue.fromS("arn:aws:ecs:us-east-1:123456789012:task/openhands/" + conversationId));
    item.put("session_api_key", AttributeValue.fromS("not-for-the-gateway"));
    item.put("agent_server_port", AttributeValue.fromN("8000"));
    dynamo.putItem(b -> b.tableName(name).item(item)).join();
  }

  /** Registers a running sandbox on 127.0.0.1 whose owner the orchestrator has not learned yet (row 21). */
  public void putRunningOwnerPending(String conversationId) {
    put(conversationId, "RUNNING", "127.0.0.1", null);
    dynamo.updateItem(b -> b.tableName(name)
        .key(Map.of("conversation_id", AttributeValue.fromS(conversationId)))
        .updateExpression("SET owner_pending = :t")
        .expressionAttributeValues(Map.of(":t", AttributeValue.fromBool(true)))).join();
  }

  /** Records the owner of a pending sandbox, as the orchestrator does once it learns it. */
  public void recordOwner(String conversationId, String userId) {
    dynamo.updateItem(b -> b.tableName(name)
        .key(Map.of("conversation_id", AttributeValue.fromS(conversationId)))
        .updateExpression("SET user_id = :u REMOVE owner_pending")
        .expressionAttributeValues(Map.of(":u", AttributeValue.fromS(userId)))).join();
  }

  /** Registers a running sandbox on 127.0.0.1. */
  public void putRunning(String conversationId, String userId) {
    put(conversationId, "RUNNING", "127.0.0.1", userId);
  }
}
