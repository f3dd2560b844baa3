package dev.openhands.runtime.orchestrator.registry;

import static dev.openhands.runtime.common.registry.RegistrySchema.ACCESS_POINT_ID;
import static dev.openhands.runtime.common.registry.RegistrySchema.CONVERSATION_ID;
import static dev.openhands.runtime.common.registry.RegistrySchema.GENERATION;
import static dev.openhands.runtime.common.registry.RegistrySchema.LAST_ACTIVITY_AT;
import static dev.openhands.runtime.common.registry.RegistrySchema.OWNER_PENDING;
import static dev.openhands.runtime.common.registry.RegistrySchema.STATUS;
import static dev.openhands.runtime.common.registry.RegistrySchema.STATUS_INDEX;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_ARN;
import static dev.openhands.runtime.common.registry.RegistrySchema.TASK_DEFINITION_ARN;
import static dev.openhands.runtime.common.registry.RegistrySchema.USER_ID;

import dev.openhands.runtime.common.registry.SandboxStatus;
import dev.openhands.runtime.orchestrator.aws.AwsFutures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

/**
 * The registry as the orchestrator writes it. Every change of status is one conditional write on the status and
 * generation the caller read ({@link #transition}); a write that loses a race answers empty (the caller re-reads
 * and answers from the winner's state), never overwrites. Futures complete on the orchestrator's context.
 */
public final class SandboxStore {

  private final DynamoDbAsyncClient dynamo;
  private final String table;
  private final Context context;
  private final Clock clock;

  public SandboxStore(DynamoDbAsyncClient dynamo, String table, Context context, Clock clock) {
    this.dynamo = dynamo;
    this.table = table;
    this.context = context;
    this.clock = clock;
  }

  /** Epoch seconds now, by the store's clock. */
  public long now() {
    return clock.instant().getEpochSecond();
  }

  /** The item, read strongly consistently. */
  public Future<Optional<SandboxItem>> get(String conversationId) {
    return call(() -> dynamo.getItem(b -> b.tableName(table).key(key(conversationId)).consistentRead(true)))
        .map(r -> Optional.ofNullable(SandboxItem.from(r.hasItem() ? r.item() : null)));
  }

  /** Creates an item where none exists; empty when one does (someone else created it first). */
  public Future<Optional<SandboxItem>> create(String conversationId, SandboxStatus status, Changes changes) {
    Map<String, AttributeValue> item = new HashMap<>(changes.sets());
    item.put(CONVERSATION_ID, AttributeValue.fromS(conversationId));
    item.put(STATUS, AttributeValue.fromS(status.name()));
    item.put(GENERATION, AttributeValue.fromN("1"));
    return conditional(call(() -> dynamo.putItem(b -> b.tableName(table).item(item)
        .conditionExpression("attribute_not_exists(" + CONVERSATION_ID + ")"))))
        .map(done -> done.map(ignored -> SandboxItem.from(item)));
  }

  /**
   * Moves {@code from} to {@code to}, incrementing the generation, if the item still has the status and
   * generation {@code from} was read with; the new item, or empty when it changed meanwhile.
   */
  public Future<Optional<SandboxItem>> transition(SandboxItem from, SandboxStatus to, Changes changes) {
    Changes all = changes.set(STATUS, to.name()).set(GENERATION, from.generation() + 1);
    return update(from, all);
  }

  /** Sets fields within the current generation (a launch recording its task), on the same condition. */
  public Future<Optional<SandboxItem>> update(SandboxItem at, Changes changes) {
    Map<String, AttributeValue> values = new HashMap<>();
    Map<String, String> names = new HashMap<>();
    values.put(":from", AttributeValue.fromS(at.storedStatus()));
    names.put("#s", STATUS);
    String condition = "#s = :from AND " + (at.generation() == 0
        ? "attribute_not_exists(" + GENERATION + ")"
        : GENERATION + " = :gen");
    if (at.generation() != 0) {
      values.put(":gen", AttributeValue.fromN(Long.toString(at.generation())));
    }
    return updateItem(at.conversationId(), changes, condition, names, values);
  }

  /**
   * Forgets the task and resources {@code released} named, if the item still names exactly those (a newer launch
   * may have recorded its own meanwhile).
   */
  public Future<Boolean> forgetResources(SandboxItem released) {
    Changes changes = Changes.none();
    List<String> conditions = new ArrayList<>();
    Map<String, AttributeValue> values = new HashMap<>();
    Map<String, String> names = new HashMap<>();
    same(TASK_ARN, released.taskArn(), "t", changes, conditions,
        values);
    same(ACCESS_POINT_ID, released.accessPointId(), "a", changes,
        conditions, values);
    same(TASK_DEFINITION_ARN, released.taskDefinitionArn(), "d",
        changes, conditions, values);
    conditions.add("attribute_exists(" + CONVERSATION_ID + ")");
    return updateItem(released.conversationId(), changes, String.join(" AND ", conditions), names, values)
        .map(Optional::isPresent);
  }

  private static void same(String attribute, String value, String placeholder, Changes changes,
      List<String> conditions, Map<String, AttributeValue> values) {
    if (value == null) {
      return;
    }
    changes.remove(attribute);
    conditions.add(attribute + " = :" + placeholder);
    values.put(":" + placeholder, AttributeValue.fromS(value));
  }

  /** Sets {@code last_activity_at} to now on an existing item; false when there is none. */
  public Future<Boolean> touch(String conversationId) {
    return updateItem(conversationId, Changes.none().set(LAST_ACTIVITY_AT, now()),
        "attribute_exists(" + CONVERSATION_ID + ")", Map.of(), Map.of()).map(Optional::isPresent);
  }

  /** Sets {@code last_activity_at} to now while the sandbox is still in {@code status}. */
  public Future<Boolean> touchIf(SandboxItem item) {
    return updateItem(item.conversationId(), Changes.none().set(LAST_ACTIVITY_AT, now()), "#s = :s",
        Map.of("#s", STATUS), Map.of(":s", AttributeValue.fromS(item.storedStatus()))).map(Optional::isPresent);
  }

  /** Records the owner of a sandbox whose owner was pending; false when it was not pending any more. */
  public Future<Boolean> recordOwner(String conversationId, String userId) {
    return updateItem(conversationId, Changes.none().set(USER_ID, userId).remove(OWNER_PENDING),
        OWNER_PENDING + " = :t", Map.of(), Map.of(":t", AttributeValue.fromBool(true))).map(Optional::isPresent);
  }

  /** Deletes the item if it is still at {@code at}'s generation; false when it changed meanwhile. */
  public Future<Boolean> delete(SandboxItem at) {
    return conditional(call(() -> dynamo.deleteItem(b -> b.tableName(table).key(key(at.conversationId()))
        .conditionExpression(at.generation() == 0 ? "attribute_not_exists(" + GENERATION + ")" : GENERATION + " = :g")
        .expressionAttributeValues(at.generation() == 0 ? null
            : Map.of(":g", AttributeValue.fromN(Long.toString(at.generation())))))))
        .map(Optional::isPresent);
  }

  /** The items of these conversations that exist (BatchGetItem in chunks of 100, unprocessed keys retried). */
  public Future<List<SandboxItem>> getAll(List<String> conversationIds) {
    List<Future<List<SandboxItem>>> chunks = new ArrayList<>();
    List<String> distinct = conversationIds.stream().distinct().toList();
    for (int i = 0; i < distinct.size(); i += 100) {
      List<Map<String, AttributeValue>> keys = distinct.subList(i, Math.min(distinct.size(), i + 100)).stream()
          .map(SandboxStore::key).toList();
      chunks.add(batch(Map.of(table, KeysAndAttributes.builder().keys(keys).consistentRead(true).build()), 0));
    }
    return Future.all(chunks).map(all -> {
      List<SandboxItem> items = new ArrayList<>();
      for (int i = 0; i < chunks.size(); i++) {
        items.addAll(all.<List<SandboxItem>>resultAt(i));
      }
      return items;
    });
  }

  private Future<List<SandboxItem>> batch(Map<String, KeysAndAttributes> request, int attempt) {
    return call(() -> dynamo.batchGetItem(b -> b.requestItems(request))).compose(response -> {
      List<SandboxItem> items = new ArrayList<>();
      response.responses().getOrDefault(table, List.of()).forEach(item -> items.add(SandboxItem.from(item)));
      if (!response.hasUnprocessedKeys() || response.unprocessedKeys().isEmpty() || attempt >= 8) {
        return Future.succeededFuture(items);
      }
      return batch(response.unprocessedKeys(), attempt + 1).map(more -> {
        items.addAll(more);
        return items;
      });
    });
  }

  /**
   * Hands every item in {@code status} whose {@code last_activity_at} lies in [{@code from}, {@code to}) to
   * {@code page}, one page of the index at a time (eventually consistent: every write based on them is
   * conditional anyway); completes with the number of items seen.
   */
  public Future<Integer> forEachInStatus(SandboxStatus status, long from, long to,
      Function<List<SandboxItem>, Future<?>> page) {
    QueryRequest.Builder query = QueryRequest.builder().tableName(table).indexName(STATUS_INDEX)
        .keyConditionExpression("#s = :s AND " + LAST_ACTIVITY_AT + " BETWEEN :from AND :to")
        .expressionAttributeNames(Map.of("#s", STATUS))
        .expressionAttributeValues(Map.of(":s", AttributeValue.fromS(status.name()),
            ":from", AttributeValue.fromN(Long.toString(from)),
            ":to", AttributeValue.fromN(Long.toString(Math.max(from, to - 1)))));
    return pages(query, null, page, 0);
  }

  private Future<Integer> pages(QueryRequest.Builder query, Map<String, AttributeValue> start,
      Function<List<SandboxItem>, Future<?>> page, int seen) {
    QueryRequest request = query.exclusiveStartKey(start).build();
    return call(() -> dynamo.query(request)).compose((QueryResponse response) -> {
      List<SandboxItem> items = response.items().stream().map(SandboxItem::from).toList();
      return page.apply(items).compose(v -> response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
          ? pages(query, response.lastEvaluatedKey(), page, seen + items.size())
          : Future.succeededFuture(seen + items.size()));
    });
  }

  /** Every item in {@code status}, all pages. */
  public Future<List<SandboxItem>> allInStatus(SandboxStatus status) {
    List<SandboxItem> all = new ArrayList<>();
    return forEachInStatus(status, 0, Long.MAX_VALUE, items -> {
      all.addAll(items);
      return Future.succeededFuture();
    }).map(n -> all);
  }

  private Future<Optional<SandboxItem>> updateItem(String conversationId, Changes changes, String condition,
      Map<String, String> names, Map<String, AttributeValue> values) {
    Map<String, String> allNames = new HashMap<>(names);
    Map<String, AttributeValue> allValues = new HashMap<>(values);
    List<String> sets = new ArrayList<>();
    List<String> removes = new ArrayList<>();
    int n = 0;
    for (Map.Entry<String, AttributeValue> e : changes.sets().entrySet()) {
      allNames.put("#a" + n, e.getKey());
      allValues.put(":v" + n, e.getValue());
      sets.add("#a" + n + " = :v" + n);
      n++;
    }
    for (String name : changes.removes()) {
      allNames.put("#a" + n, name);
      removes.add("#a" + n);
      n++;
    }
    String expression = (sets.isEmpty() ? "" : "SET " + String.join(", ", sets))
        + (removes.isEmpty() ? "" : " REMOVE " + String.join(", ", removes));
    return conditional(call(() -> dynamo.updateItem(b -> b.tableName(table).key(key(conversationId))
        .updateExpression(expression.trim())
        .conditionExpression(condition)
        .expressionAttributeNames(allNames.isEmpty() ? null : allNames)
        .expressionAttributeValues(allValues.isEmpty() ? null : allValues)
        .returnValues(ReturnValue.ALL_NEW)
        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.NONE))))
        .map(done -> done.map(response -> SandboxItem.from(response.attributes())));
  }

  /** A conditional write's answer: its response, or empty when the condition failed. */
  private static <T> Future<Optional<T>> conditional(Future<T> write) {
    return write.map(Optional::of).recover(err -> err instanceof ConditionalCheckFailedException
        ? Future.succeededFuture(Optional.empty())
        : Future.failedFuture(err));
  }

  private <T> Future<T> call(java.util.function.Supplier<CompletableFuture<T>> request) {
    return AwsFutures.on(context, request);
  }

  private static Map<String, AttributeValue> key(String conversationId) {
    return Map.of(CONVERSATION_ID, AttributeValue.fromS(conversationId));
  }
}
