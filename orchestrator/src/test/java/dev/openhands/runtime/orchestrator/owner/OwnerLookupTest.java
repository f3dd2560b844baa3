package dev.openhands.runtime.orchestrator.owner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.orchestrator.Orchestrator;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.LocalPostgres;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Owners learned from the app's database (a real PostgreSQL with OpenHands' {@code conversation_metadata} table):
 * pending until known, then recorded; an owner named in the start request wins without a look-up.
 */
@Timeout(120)
class OwnerLookupTest {

  static LocalPostgres postgres;
  static OrchestratorFixture fixture;
  static ApiClient api;

  @BeforeAll
  static void start() throws Exception {
    postgres = LocalPostgres.start();
    try (Connection c = postgres.connect()) {
      c.createStatement().execute("CREATE TABLE conversation_metadata (conversation_id VARCHAR PRIMARY KEY, "
          + "user_id VARCHAR, title VARCHAR)");
    }
    fixture = OrchestratorFixture.start("owners");
    Orchestrator orchestrator = fixture.orchestrator(Map.of("OWNER_DB_URL", postgres.url(),
        "OWNER_DB_USER", LocalPostgres.USER, "RECONCILE_INTERVAL", "1s"));
    api = fixture.client(orchestrator);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
    postgres.close();
  }

  static void ownerRow(String conversationId, String userId) throws Exception {
    try (Connection c = postgres.connect();
        PreparedStatement insert = c.prepareStatement("INSERT INTO conversation_metadata VALUES (?, ?, 't')")) {
      insert.setString(1, conversationId);
      insert.setString(2, userId);
      insert.executeUpdate();
    }
  }

  static Map<String, AttributeValue> awaitOwner(String id) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, AttributeValue> item = fixture.table().get(id);
      if (item.containsKey("user_id")) {
        return item;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no owner recorded: " + fixture.table().get(id));
  }

  @Test
  void ownerInTheDatabase_dashedForm_isRecorded_andThePendingFlagRemoved() throws Exception {
    String id = "0e000000000000000000000000000001";
    ownerRow(RegistrySchema.dashed(id), "sub-of-alice");
    api.start(id, new JsonObject().put("OH_VSCODE_PORT", "60001"));
    Map<String, AttributeValue> item = awaitOwner(id);
    assertEquals("sub-of-alice", item.get("user_id").s());
    assertNull(item.get("owner_pending"));
    assertEquals("sub-of-alice", api.get("/sessions/" + id).json().getString("user_id"));
  }

  @Test
  void ownerWrittenLater_pendingUntilThen_foundByTheRetries() throws Exception {
    String id = "0e000000000000000000000000000002";
    JsonObject runtime = api.start(id, new JsonObject()).json();
    assertEquals("", runtime.getString("user_id"));
    Map<String, AttributeValue> item = fixture.table().get(id);
    assertTrue(item.get("owner_pending").bool());
    assertNull(item.get("user_id"));
    ownerRow(id, "sub-of-bob");
    assertEquals("sub-of-bob", awaitOwner(id).get("user_id").s());
  }

  @Test
  void ownerInTheStartRequest_isUsedAsIs() throws Exception {
    String id = "0e000000000000000000000000000003";
    ownerRow(id, "sub-in-the-database");
    api.start(id, new JsonObject().put("USER_ID", "sub-in-the-request"));
    Map<String, AttributeValue> item = fixture.table().get(id);
    assertEquals("sub-in-the-request", item.get("user_id").s());
    assertNull(item.get("owner_pending"));
  }

  @Test
  void anonymousOwnerInTheRequest_isNoOwner_andStaysPendingUntilLookedUp() throws Exception {
    String id = "0e000000000000000000000000000004";
    ownerRow(id, "sub-of-carol");
    api.post("/start", new JsonObject().put("session_id", id).put("user_id", "anonymous"));
    assertEquals("sub-of-carol", awaitOwner(id).get("user_id").s());
  }
}
