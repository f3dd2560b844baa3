package dev.openhands.runtime.orchestrator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.orchestrator.Orchestrator;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The API's refusals: the key (401), bodies (400), sizes (413), routes (404/405); none writes anything. */
@Timeout(60)
class RuntimeApiGuardTest {

  static final String ID = "0123456789abcdef0123456789abcdef";
  static final String SECOND_KEY = "second-key-during-rotation-0123";
  static OrchestratorFixture fixture;
  static Orchestrator orchestrator;
  static ApiClient api;

  @BeforeAll
  static void start() throws Exception {
    fixture = OrchestratorFixture.start("guards");
    orchestrator = fixture.orchestrator(Map.of("ORCHESTRATOR_API_KEYS", OrchestratorFixture.API_KEY + ","
        + SECOND_KEY));
    api = fixture.client(orchestrator);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static void nothingWritten() {
    assertTrue(fixture.table().all().isEmpty(), "registry: " + fixture.table().all());
    assertTrue(fixture.ecs().calls("RunTask").isEmpty());
    assertTrue(fixture.ecs().calls("StopTask").isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "wrong-key-0123456789abcdef", "test-orchestrator-key-012345678", " "})
  void wrongKey_is401_andNothingIsWritten(String key) {
    ApiClient client = api.withKey(key.isEmpty() ? null : key);
    for (String path : List.of("/start", "/resume", "/pause", "/stop", "/delete", "/activity")) {
      ApiClient.Answer answer = client.post(path, new JsonObject().put("session_id", ID).put("runtime_id", ID));
      assertEquals(401, answer.status(), path);
      assertEquals("X-API-Key is missing or wrong", answer.json().getString("detail"));
    }
    assertEquals(401, client.get("/list").status());
    assertEquals(401, client.get("/sessions/" + ID).status());
    assertEquals(401, client.get("/sessions/batch?ids=" + ID).status());
    nothingWritten();
  }

  @Test
  void eitherKeyDuringRotation_isAccepted_healthNeedsNone() {
    assertEquals(200, api.get("/list").status());
    assertEquals(200, api.withKey(SECOND_KEY).get("/list").status());
    ApiClient.Answer health = api.withKey(null).get("/health");
    assertEquals(200, health.status());
    assertEquals(new JsonObject().put("status", "ok"), health.json());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "not json",
      "[]",
      "\"a string\"",
      "{}",
      "{\"session_id\": 5}",
      "{\"session_id\": \"0123456789ABCDEF0123456789abcdef\"}",
      "{\"session_id\": \"0123456789abcdef0123456789abcde\"}",
      "{\"session_id\": \"01234567-89ab-cdef-0123-456789abcdef\"}",
      "{\"session_id\": \"../../etc/passwd\"}",
      "{\"session_id\": \"0123456789abcdef0123456789abcdef\", \"environment\": []}",
      "{\"session_id\": \"0123456789abcdef0123456789abcdef\", \"environment\": {\"A\": 1}}",
      "{\"session_id\": \"0123456789abcdef0123456789abcdef\", \"environment\": {\"A B\": \"x\"}}",
      "{\"session_id\": \"0123456789abcdef0123456789abcdef\", \"image\": {}}",
      "{\"session_id\": \"0123456789abcdef0123456789abcdef\", \"user_id\": 7}"})
  void badStartBodies_are400_andNothingIsWritten(String body) {
    ApiClient.Answer answer = api.post("/start", body);
    assertEquals(400, answer.status(), body + " -> " + answer.body());
    assertTrue(answer.json().getString("detail").length() > 5, answer.body());
    nothingWritten();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/resume", "/pause", "/stop", "/delete"})
  void badRuntimeIds_are400(String path) {
    assertEquals(400, api.post(path, "{\"runtime_id\": \"nope\"}").status());
    assertEquals(400, api.post(path, "{\"session_id\": \"" + ID + "\"}").status());
    assertEquals(400, api.post(path, "{}").status());
    nothingWritten();
  }

  @Test
  void badPathIds_are400() {
    assertEquals(400, api.get("/sessions/NOT-HEX").status());
    assertEquals(400, api.get("/runtime/0123").status());
  }

  @Test
  void oversizedBody_is413_andNothingIsWritten() {
    String big = "{\"session_id\": \"" + ID + "\", \"environment\": {\"A\": \"" + "x".repeat(70_000) + "\"}}";
    ApiClient.Answer answer = api.post("/start", big);
    assertEquals(413, answer.status(), answer.body());
    nothingWritten();
  }

  @Test
  void environmentTooLargeForEcsOverrides_is400() {
    JsonObject env = new JsonObject();
    for (int i = 0; i < 40; i++) {
      env.put("VAR_" + i, "v".repeat(200));
    }
    assertEquals(400, api.post("/start", new JsonObject().put("session_id", ID).put("environment", env)).status());
    nothingWritten();
  }

  @Test
  void unknownRoutesAndMethods_answerJson() {
    ApiClient.Answer missing = api.get("/nope");
    assertEquals(404, missing.status());
    assertEquals("no such route", missing.json().getString("detail"));
    ApiClient.Answer method = api.get("/start");
    assertEquals(405, method.status(), method.body());
  }
}
