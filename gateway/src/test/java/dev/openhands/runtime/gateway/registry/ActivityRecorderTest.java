package dev.openhands.runtime.gateway.registry;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Row 17 against DynamoDB Local: coalesced, conditional last_activity_at writes. */
@Timeout(60)
class ActivityRecorderTest {

  static final String BUSY = "0123456789abcdef0123456789abcdef";
  static final String STOPPED = "fedcba9876543210fedcba9876543210";

  static DynamoDbLocal dynamo;
  static RegistryTable table;

  @BeforeAll
  static void start() throws Exception {
    dynamo = DynamoDbLocal.start();
    table = new RegistryTable(dynamo.client(), "sandboxes-activity").create();
  }

  @AfterAll
  static void stop() throws Exception {
    dynamo.close();
  }

  static long lastActivity(String conversationId) {
    Map<String, AttributeValue> item = dynamo.client().getItem(b -> b.tableName(table.name())
        .key(Map.of("conversation_id", AttributeValue.fromS(conversationId))).consistentRead(true)).join().item();
    return Long.parseLong(item.get("last_activity_at").n());
  }

  static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void row17_thousandRequestsInOneInterval_causeOneWrite() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (GatewayUnderTest gateway = GatewayUnderTest.start(dynamo, table.name(), Map.of("ACTIVITY_INTERVAL", "1h"))) {
      RecordingSandbox sandbox = await(new RecordingSandbox(vertx).start(0));
      table.put(BUSY, "RUNNING", "127.0.0.1", "");
      long before = lastActivity(BUSY);
      dynamo.client().updateItem(b -> b.tableName(table.name())
          .key(Map.of("conversation_id", AttributeValue.fromS(BUSY)))
          .updateExpression("SET last_activity_at = :old")
          .expressionAttributeValues(Map.of(":old", AttributeValue.fromN(Long.toString(before - 3600))))).join();
      TestClient client = new TestClient(vertx, gateway.port());
      String host = sandbox.port() + "-" + BUSY + ".runtime.openhands.example.com";
      List<Future<Integer>> responses = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        responses.add(client.onContext(() -> client.http().request(new RequestOptions().setMethod(HttpMethod.GET)
                .setHost("127.0.0.1").setPort(gateway.port()).setURI("/").setHeaders(viaCdn(host)))
            .compose(req -> req.send()).compose(resp -> resp.body().map(b -> resp.statusCode()))));
      }
      for (Future<Integer> response : responses) {
        assertEquals(200, await(response));
      }
      awaitTrue(() -> lastActivity(BUSY) >= before, "last_activity_at to be written");
      assertEquals(1, gateway.gateway().activity().writes());
    } finally {
      await(vertx.close());
    }
  }

  @Test
  void row17_eachIntervalWritesAgain_andStoppedSandboxesAreNotRevived() throws Exception {
    table.put(BUSY, "RUNNING", "127.0.0.1", "");
    table.put(STOPPED, "STOPPED", null, "");
    long stoppedBefore = lastActivity(STOPPED);
    AtomicLong nanos = new AtomicLong();
    AtomicLong seconds = new AtomicLong(Instant.now().getEpochSecond() + 1000);
    Clock clock = new Clock() {
      @Override
      public ZoneOffset getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochSecond(seconds.get());
      }
    };
    Ticker ticker = nanos::get;
    ActivityRecorder recorder = new ActivityRecorder(dynamo.client(), table.name(), Duration.ofSeconds(60), 4,
        ticker, clock);
    recorder.touch(BUSY);
    recorder.touch(BUSY);
    awaitTrue(() -> lastActivity(BUSY) == seconds.get(), "first write");
    nanos.addAndGet(Duration.ofSeconds(59).toNanos());
    recorder.touch(BUSY);
    assertEquals(1, recorder.writes());
    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    seconds.addAndGet(61);
    recorder.touch(BUSY);
    assertEquals(2, recorder.writes());
    awaitTrue(() -> lastActivity(BUSY) == seconds.get(), "second write");

    recorder.touch(STOPPED);
    assertEquals(3, recorder.writes());
    Thread.sleep(300);
    assertEquals(stoppedBefore, lastActivity(STOPPED), "a stopped sandbox's activity must not change");
    assertTrue(recorder.dropped() == 0);
  }
}
