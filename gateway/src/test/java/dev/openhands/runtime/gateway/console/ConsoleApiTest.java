package dev.openhands.runtime.gateway.console;

import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Row 24's API against DynamoDB Local: the caller's own sandboxes only, writes only to the caller's own items and
 * only with the main host's Origin and the caller's CSRF token; a share takes effect on this gateway at once.
 */
@Timeout(60)
class ConsoleApiTest {

  static final String MAIN = "openhands.example.com";
  static final String ORIGIN = "https://" + MAIN;
  static final String A1 = "24000000000000000000000000000a01";
  static final String A2 = "24000000000000000000000000000a02";
  static final String B1 = "24000000000000000000000000000b01";

  static GatewayFixture fixture;
  static RecordingSandbox sandbox;
  static TestClient client;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-console");
    sandbox = fixture.recording();
    long now = Instant.now().getEpochSecond();
    fixture.table().putRunning(A1, "user-a");
    fixture.table().put(A2, "PAUSED", null, "user-a");
    fixture.table().putRunning(B1, "user-b");
    fixture.table().set(A1, Map.of("created_at", AttributeValue.fromN(Long.toString(now - 60))));
    fixture.table().set(A2, Map.of("created_at", AttributeValue.fromN(Long.toString(now - 30))));
    fixture.table().set(B1, Map.of("created_at", AttributeValue.fromN(Long.toString(now))));
    client = fixture.client(fixture.gateway(Map.of("RUNTIME_AUTH", "owner")));
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static MultiMap as(String user) {
    MultiMap headers = viaCdn(MAIN).set("Accept", "application/json");
    return user == null ? headers : headers.set("X-Cognito-User-Id", user);
  }

  static String csrf(String user) throws Exception {
    TestClient.Response session = client.get("/_runtime/api/session", as(user));
    assertEquals(200, session.status(), session.body());
    JsonObject json = new JsonObject(session.body());
    assertEquals(user, json.getString("user"));
    assertEquals("https://{port}-{id}.runtime." + MAIN + "/", json.getString("runtimeUrl"));
    return json.getString("csrf");
  }

  static TestClient.Response share(String user, String id, int port, String body, String origin, String token)
      throws Exception {
    MultiMap headers = as(user).set("Content-Type", "application/json");
    if (origin != null) {
      headers.set("Origin", origin);
    }
    if (token != null) {
      headers.set("X-CSRF-Token", token);
    }
    return client.send(body == null ? HttpMethod.DELETE : HttpMethod.PUT,
        "/_runtime/api/sandboxes/" + id + "/ports/" + port + "/share", headers, body == null ? null : Buffer.buffer(body));
  }

  static AttributeValue shares(String id) {
    return fixture.table().get(id).get("shares");
  }

  @Test
  void theList_showsTheCallersOwnSandboxesOnly_newestFirst() throws Exception {
    TestClient.Response r = client.get("/_runtime/api/sandboxes", as("user-a"));
    assertEquals(200, r.status(), r.body());
    JsonArray sandboxes = new JsonObject(r.body()).getJsonArray("sandboxes");
    assertEquals(List.of(A2, A1), sandboxes.stream().map(s -> ((JsonObject) s).getString("id")).toList());
    assertEquals("PAUSED", sandboxes.getJsonObject(0).getString("status"));
    assertFalse(r.body().contains(B1));
    assertFalse(r.body().contains("session_api_key") || r.body().contains("not-for-the-gateway"));
  }

  @Test
  void nobodySignedIn_getsNoConsole() throws Exception {
    assertEquals(401, client.get("/_runtime/api/sandboxes", as(null)).status());
    assertEquals(401, client.get("/_runtime/api/session", as(null)).status());
    assertEquals(403, client.get("/_runtime/", viaCdn(MAIN).set("Accept", "text/html")).status(),
        "without SIGN_IN_URL, nowhere to send a navigation");
    TestClient.Response page = client.get("/_runtime/", as("user-a").set("Accept", "text/html"));
    assertEquals(200, page.status());
    assertTrue(page.body().contains("Your sandboxes"));
    assertEquals("DENY", page.header("X-Frame-Options"));
    assertTrue(page.header("Content-Security-Policy").contains("script-src 'self'"));
  }

  @Test
  void aShare_needsTheMainOriginAndTheCsrfToken_andOpensThePortAtOnce() throws Exception {
    String token = csrf("user-a");
    String body = "{\"level\":\"public\"}";
    assertEquals(403, share("user-a", A1, sandbox.port(), body, ORIGIN, null).status(), "no token");
    assertEquals(403, share("user-a", A1, sandbox.port(), body, "https://evil.example", token).status(), "cross-site");
    assertEquals(403, share("user-a", A1, sandbox.port(), body, null, token).status(), "no Origin");
    assertEquals(403, share("user-a", A1, sandbox.port(), body, ORIGIN, csrf("user-b")).status(), "another's token");
    assertNull(shares(A1), "nothing written");

    MultiMap visitor = viaCdn(fixture.runtimeHost(A1)).set("Accept", "application/json");
    assertEquals(403, client.get("/", visitor).status(), "not shared yet");
    assertEquals(204, share("user-a", A1, sandbox.port(), body, ORIGIN, token).status());
    assertEquals("public", shares(A1).m().get(Integer.toString(sandbox.port())).m().get("level").s());
    assertEquals(200, client.get("/", visitor).status(), "this gateway forgot the old route at once");

    assertEquals(204, share("user-a", A1, sandbox.port(), null, ORIGIN, token).status(), "stop sharing");
    assertTrue(shares(A1).m().isEmpty());
    assertEquals(403, client.get("/", visitor).status());
    assertEquals(204, share("user-a", A2, 8000, null, ORIGIN, token).status(), "nothing to stop: fine");
  }

  @Test
  void anotherUsersSandbox_isNeverWritten() throws Exception {
    String token = csrf("user-a");
    TestClient.Response r = share("user-a", B1, 5000, "{\"level\":\"public\"}", ORIGIN, token);
    assertEquals(404, r.status(), r.body());
    assertEquals(404, share("user-a", B1, 5000, null, ORIGIN, token).status());
    assertNull(shares(B1));
    assertEquals(404, share("user-a", "ffffffffffffffffffffffffffffffff", 5000, "{\"level\":\"public\"}", ORIGIN,
        token).status(), "and nothing is created");
    assertTrue(fixture.table().get("ffffffffffffffffffffffffffffffff").isEmpty());
  }

  @Test
  void namedUsers_andBadInput() throws Exception {
    String token = csrf("user-a");
    assertEquals(204, share("user-a", A2, 5173, "{\"level\":\"users\",\"users\":[\"user-friend\"]}", ORIGIN, token)
        .status());
    Map<String, AttributeValue> stored = shares(A2).m().get("5173").m();
    assertEquals("users", stored.get("level").s());
    assertEquals(List.of("user-friend"), stored.get("users").ss());
    for (String bad : List.of("{\"level\":\"users\"}", "{\"level\":\"users\",\"users\":[\"a b\"]}",
        "{\"level\":\"everyone\"}", "not json", "{\"level\":\"public\",\"users\":\"x\"}")) {
      assertEquals(400, share("user-a", A2, 5173, bad, ORIGIN, token).status(), bad);
    }
    assertEquals(400, share("user-a", A2, 0, "{\"level\":\"public\"}", ORIGIN, token).status());
    assertEquals("users", shares(A2).m().get("5173").m().get("level").s(), "unchanged by the bad writes");
  }
}
