package dev.openhands.runtime.gateway.registry;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.common.registry.SandboxStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Keeps {@code last_activity_at} fresh for sandboxes in use (behaviour table row 17), so that the idle
 * monitor does not stop them.
 *
 * <p>Guarantees: {@link #touch} never blocks and never waits for DynamoDB; it causes at most one
 * {@code UpdateItem} per conversation per {@code interval}, however much traffic the conversation has;
 * at most {@code maxInFlight} writes run at once, and a touch that finds them all busy is dropped (the next
 * touch after the interval tries again). The write only applies while the sandbox is running (a condition
 * on {@code status}), so a stopped sandbox is never revived by a late write.
 */
public final class ActivityRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(ActivityRecorder.class);
  private static final long LOG_INTERVAL_NANOS = Duration.ofSeconds(60).toNanos();

  private final Function<String, CompletableFuture<Void>> write;
  private final Cache<String, Boolean> recentlyTouched;
  private final Semaphore inFlight;
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  /** Records into the registry's {@code table}. */
  public ActivityRecorder(DynamoDbAsyncClient dynamo, String table, Duration interval, int maxInFlight,
      Ticker ticker, Clock clock) {
    this(new RegistryWrite(dynamo, table, clock), interval, maxInFlight, ticker);
  }

  /**
   * @param write records one conversation's activity; its future completes when the write is done (it must not
   *     fail: failures are the writer's to log)
   */
  public ActivityRecorder(Function<String, CompletableFuture<Void>> write, Duration interval, int maxInFlight,
      Ticker ticker) {
    this.write = write;
    this.inFlight = new Semaphore(maxInFlight);
    this.recentlyTouched = Caffeine.newBuilder()
        .expireAfterWrite(interval)
        .maximumSize(1_000_000)
        .ticker(ticker)
        .executor(Runnable::run) // upkeep on the caller, not a pool thread woken every few requests (RouteCache)
        .build();
  }

  /** Records that the conversation's sandbox was used now. Cheap enough for every request and frame. */
  public void touch(String conversationId) {
    if (recentlyTouched.asMap().putIfAbsent(conversationId, Boolean.TRUE) != null) {
      return;
    }
    if (!inFlight.tryAcquire()) {
      dropped.incrementAndGet();
      recentlyTouched.invalidate(conversationId);
      return;
    }
    writes.incrementAndGet();
    write.apply(conversationId).whenComplete((ok, err) -> inFlight.release());
  }

  /** Number of writes started. */
  public long writes() {
    return writes.get();
  }

  /** Number of touches dropped because too many writes were in flight. */
  public long dropped() {
    return dropped.get();
  }

  /** The registry's {@code UpdateItem}, applied only while the sandbox is running; failures logged once a minute. */
  private static final class RegistryWrite implements Function<String, CompletableFuture<Void>> {

    private final DynamoDbAsyncClient dynamo;
    private final String table;
    private final Clock clock;
    private final AtomicLong lastFailureLog = new AtomicLong(Long.MIN_VALUE);

    RegistryWrite(DynamoDbAsyncClient dynamo, String table, Clock clock) {
      this.dynamo = dynamo;
      this.table = table;
      this.clock = clock;
    }

    @Override
    public CompletableFuture<Void> apply(String conversationId) {
      UpdateItemRequest request = UpdateItemRequest.builder()
          .tableName(table)
          .key(Map.of(RegistrySchema.CONVERSATION_ID, AttributeValue.fromS(conversationId)))
          .updateExpression("SET " + RegistrySchema.LAST_ACTIVITY_AT + " = :now")
          .conditionExpression("#s IN (:running, :runningLower)")
          .expressionAttributeNames(Map.of("#s", RegistrySchema.STATUS))
          .expressionAttributeValues(Map.of(
              ":now", AttributeValue.fromN(Long.toString(clock.instant().getEpochSecond())),
              ":running", AttributeValue.fromS(SandboxStatus.RUNNING.name()),
              ":runningLower", AttributeValue.fromS("running")))
          .build();
      try {
        return dynamo.updateItem(request).handle((response, err) -> {
          if (err != null && !(unwrap(err) instanceof ConditionalCheckFailedException)) {
            logFailure(conversationId, unwrap(err));
          }
          return null;
        });
      } catch (RuntimeException e) {
        logFailure(conversationId, e);
        return CompletableFuture.completedFuture(null);
      }
    }

    private void logFailure(String conversationId, Throwable err) {
      long now = System.nanoTime();
      long last = lastFailureLog.get();
      if (last == Long.MIN_VALUE || now - last > LOG_INTERVAL_NANOS) {
        if (lastFailureLog.compareAndSet(last, now)) {
          LOG.warn("last_activity_at update failed for {} (further failures within a minute not logged): {}",
              conversationId, err.toString());
        }
      }
    }

    private static Throwable unwrap(Throwable err) {
      return err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
    }
  }
}
