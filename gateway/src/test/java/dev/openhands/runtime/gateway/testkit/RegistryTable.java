package dev.openhands.runtime.gateway.testkit;

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
 * The sandbox registry table as the orchestrator keeps it (see DESIGN.md): partition key
 * {@code conversation_id}, GSI {@code status-index}, and items with the attributes the gateway reads
 * plus some it must ignore.
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

  /** Creates the table and waits until it exists. */
  public RegistryTable create() {
    dynamo.createTable(b -> b.tableName(name)
        .billingMode(BillingMode.PAY_PER_REQUEST)
        .attributeDefinitions(
            AttributeDefinition.builder().attributeName("conversation_id").attributeType(ScalarAttributeType.S).build(),
            AttributeDefinition.builder().attributeName("status").attributeType(ScalarAttributeType.S).build(),
            AttributeDefinition.builder().attributeName("last_activity_at").attributeType(ScalarAttributeType.N).build())
        .keySchema(KeySchemaElement.builder().attributeName("conversation_id").keyType(KeyType.HASH).build())
        .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
            .indexName("status-index")
            .keySchema(
                KeySchemaElement.builder().attributeName("status").keyType(KeyType.HASH).build(),
                KeySchemaElement.builder().attributeName("last_activity_at").keyType(KeyType.RANGE).build())
            .projection(Projection.builder().projectionType(ProjectionType.ALL).build())
            .build()))
        .join();
    dynamo.waiter().waitUntilTableExists(b -> b.tableName(name)).join();
    return this;
  }

  /** Registers (or replaces) a sandbox. */
  public void put(String conversationId, String status, String taskIp, String userId) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("conversation_id", AttributeValue.fromS(conversationId));
    item.put("status", AttributeValue.fromS(status));
    if (taskIp != null) {
      item.put("task_ip", AttributeValue.fromS(taskIp));
    }
    if (userId != null) {
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
