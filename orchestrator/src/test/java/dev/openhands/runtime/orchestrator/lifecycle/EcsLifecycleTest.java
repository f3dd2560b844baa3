package dev.openhands.runtime.orchestrator.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.orchestrator.Orchestrator;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import dev.openhands.runtime.orchestrator.testkit.StandInTask;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Every arrow of the lifecycle through the API, on the ECS and EFS stand-ins and DynamoDB Local. */
@Timeout(120)
class EcsLifecycleTest {

  static OrchestratorFixture fixture;
  static Orchestrator orchestrator;
  static ApiClient api;
  static final AtomicLong ids = new AtomicLong(0x1100);

  @BeforeAll
  static void start() throws Exception {
    fixture = OrchestratorFixture.start("lifecycle");
    orchestrator = fixture.orchestrator(Map.of());
    api = fixture.client(orchestrator);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static String newId() {
    return String.format("%032x", ids.incrementAndGet());
  }

  static JsonObject environment(String user) {
    JsonObject env = new JsonObject().put("OH_VSCODE_PORT", "60001").put("WORKER_1", "12000");
    return user == null ? env : env.put("USER_ID", user);
  }

  static StandInTask onlyTaskOf(String conversationId) {
    List<StandInTask> running = fixture.ecs().running().stream()
        .filter(t -> conversationId.equals(t.conversationId)).toList();
    assertEquals(1, running.size(), "running tasks of " + conversationId);
    return running.get(0);
  }

  @Test
  void start_runsOneTask_answersRunningWithTheAgentServerUrl() {
    String id = newId();
    ApiClient.Answer answer = api.start(id, environment("user-a"));
    assertEquals(200, answer.status(), answer.body());
    JsonObject runtime = answer.json();
    assertEquals(id, runtime.getString("session_id"));
    assertEquals(id, runtime.getString("runtime_id"));
    assertEquals("running", runtime.getString("status"));
    assertEquals("ready", runtime.getString("pod_status"));
    assertEquals("user-a", runtime.getString("user_id"));
    assertEquals("ghcr.io/openhands/agent-server:1.19.1-python", runtime.getString("image"));
    StandInTask task = onlyTaskOf(id);
    assertEquals("http://" + task.ip + ":" + fixture.agentPort(), runtime.getString("url"));
    String key = runtime.getString("session_api_key");
    assertTrue(key.length() >= 40, key);

    assertEquals(key, task.environment.get("OH_SESSION_API_KEYS_0"));
    assertEquals(id, task.environment.get("CONVERSATION_ID"));
    assertEquals("user-a", task.environment.get("USER_ID"));
    assertEquals("60001", task.environment.get("OH_VSCODE_PORT"));
    JsonObject run = fixture.ecs().calls("RunTask").stream().filter(r -> r.getString("clientToken").startsWith(id))
        .findFirst().orElseThrow();
    assertEquals("FARGATE", run.getString("launchType"));
    JsonObject vpc = run.getJsonObject("networkConfiguration").getJsonObject("awsvpcConfiguration");
    assertEquals("DISABLED", vpc.getString("assignPublicIp"));
    assertEquals(2, vpc.getJsonArray("subnets").size());
    assertEquals("agent-server", run.getJsonObject("overrides").getJsonArray("containerOverrides")
        .getJsonObject(0).getString("name"));

    Map<String, AttributeValue> item = fixture.table().get(id);
    assertEquals("RUNNING", item.get("status").s());
    assertEquals(task.ip, item.get("task_ip").s());
    assertEquals(task.arn, item.get("task_arn").s());
    assertEquals("user-a", item.get("user_id").s());
    assertNull(item.get("owner_pending"));
    assertNotNull(item.get("created_at"));
    assertTrue(item.get("start_environment").s().contains("OH_VSCODE_PORT"));

    String accessPoint = item.get("access_point_id").s();
    JsonObject ap = fixture.efs().accessPoints().stream().filter(a -> a.getString("AccessPointId").equals(accessPoint))
        .findFirst().orElseThrow();
    assertEquals("/sandbox-workspace/" + id, ap.getJsonObject("RootDirectory").getString("Path"));
    assertEquals(1000, ap.getJsonObject("PosixUser").getInteger("Uid"));
    String revision = item.get("task_definition_arn").s();
    assertEquals(revision, task.taskDefinition);
    JsonObject registered = fixture.ecs().activeRevisions().stream()
        .filter(d -> d.getString("taskDefinitionArn").equals(revision)).findFirst().orElseThrow();
    assertEquals(accessPoint, registered.getJsonArray("volumes").getJsonObject(0)
        .getJsonObject("efsVolumeConfiguration").getJsonObject("authorizationConfig").getString("accessPointId"));
  }

  @Test
  void start_isIdempotent_aRunningSandboxIsReturnedAsIs() {
    String id = newId();
    JsonObject first = api.start(id, environment("user-a")).json();
    int runs = fixture.ecs().calls("RunTask").size();
    JsonObject second = api.start(id, environment("user-a")).json();
    assertEquals(first.getString("session_api_key"), second.getString("session_api_key"));
    assertEquals(runs, fixture.ecs().calls("RunTask").size());
    onlyTaskOf(id);
  }

  @Test
  void pause_stopsTheTask_releasesAccessPointAndRevision_thenResumeKeepsKeyAndEnvironment() throws Exception {
    String id = newId();
    JsonObject started = api.start(id, environment("user-a")).json();
    StandInTask first = onlyTaskOf(id);
    Map<String, AttributeValue> before = fixture.table().get(id);
    String accessPoint = before.get("access_point_id").s();

    ApiClient.Answer paused = api.call("/pause", id);
    assertEquals(200, paused.status(), paused.body());
    assertEquals(new JsonObject().put("status", "paused").put("session_id", id), paused.json());
    assertEquals("STOPPED", first.lastStatus());
    assertEquals("sandbox paused", first.stoppedReason());
    Map<String, AttributeValue> item = fixture.table().get(id);
    assertEquals("PAUSED", item.get("status").s());
    assertNull(item.get("task_ip"));
    assertNull(item.get("task_arn"));
    assertNull(item.get("access_point_id"));
    assertTrue(fixture.efs().accessPoints().stream().noneMatch(a -> a.getString("AccessPointId").equals(accessPoint)));
    assertTrue(fixture.ecs().activeRevisions().stream().noneMatch(d -> d.getString("taskDefinitionArn")
        .equals(before.get("task_definition_arn").s())));
    assertEquals("paused", api.get("/sessions/" + id).json().getString("status"));
    assertEquals("", api.get("/sessions/" + id).json().getString("url"));

    JsonObject resumed = api.call("/resume", id).json();
    assertEquals("running", resumed.getString("status"));
    assertEquals(started.getString("session_api_key"), resumed.getString("session_api_key"));
    StandInTask second = onlyTaskOf(id);
    assertNotEquals(first.arn, second.arn);
    assertEquals("60001", second.environment.get("OH_VSCODE_PORT"), "resumed with the first start's environment");
    assertEquals(started.getString("session_api_key"), second.environment.get("OH_SESSION_API_KEYS_0"));
    Map<String, AttributeValue> after = fixture.table().get(id);
    assertEquals(before.get("created_at").n(), after.get("created_at").n());
    assertTrue(Long.parseLong(after.get("generation").n()) > Long.parseLong(before.get("generation").n()));
  }

  @Test
  void stop_thenStart_isANewSandbox_withANewKey_andTheSameCreatedAt() {
    String id = newId();
    JsonObject started = api.start(id, environment("user-a")).json();
    String createdAt = fixture.table().get(id).get("created_at").n();
    assertEquals(new JsonObject().put("status", "stopped").put("session_id", id), api.call("/stop", id).json());
    assertEquals("STOPPED", fixture.table().get(id).get("status").s());
    assertTrue(fixture.ecs().running().stream().noneMatch(t -> id.equals(t.conversationId)));
    JsonObject again = api.start(id, environment("user-a")).json();
    assertEquals("running", again.getString("status"));
    assertNotEquals(started.getString("session_api_key"), again.getString("session_api_key"));
    assertEquals(createdAt, fixture.table().get(id).get("created_at").n());
  }

  @Test
  void delete_stopsAndRemovesTheItem() {
    String id = newId();
    api.start(id, environment("user-a"));
    assertEquals(new JsonObject().put("status", "deleted").put("session_id", id), api.call("/delete", id).json());
    assertTrue(fixture.table().get(id).isEmpty());
    assertTrue(fixture.ecs().running().stream().noneMatch(t -> id.equals(t.conversationId)));
    assertEquals(404, api.get("/sessions/" + id).status());
  }

  @Test
  void archived_cannotStartOrResume_409() {
    String id = newId();
    api.start(id, environment("user-a"));
    api.call("/stop", id);
    fixture.table().set(id, Map.of("status", AttributeValue.fromS("ARCHIVED")));
    ApiClient.Answer start = api.start(id, environment("user-a"));
    assertEquals(409, start.status());
    assertTrue(start.json().getString("detail").contains("archived"), start.body());
    assertEquals(409, api.call("/resume", id).status());
    assertEquals("stopped", api.get("/runtime/" + id).json().getString("status"));
    assertEquals("stopped", api.get("/runtime/" + id).json().getString("pod_status"));
  }

  @Test
  void listAndBatch_showTheActiveSandboxes() {
    String running = newId();
    String paused = newId();
    api.start(running, environment("user-a"));
    api.start(paused, environment("user-b"));
    api.call("/pause", paused);
    List<String> listed = api.get("/list").json().getJsonArray("runtimes").stream()
        .map(r -> ((JsonObject) r).getString("session_id")).toList();
    assertTrue(listed.contains(running));
    assertFalse(listed.contains(paused));

    String unknown = newId();
    var batch = api.get("/sessions/batch?ids=" + running + "&ids=" + paused + "&ids=" + unknown + "&ids=not-an-id")
        .array();
    assertEquals(2, batch.size());
    var commaForm = api.get("/sessions/batch?ids=" + running + "," + paused).array();
    assertEquals(2, commaForm.size());
    assertEquals(0, api.get("/sessions/batch?ids=" + unknown).array().size());
  }

  @Test
  void activity_touchesAnExistingSandbox_andCreatesNothing() throws Exception {
    String id = newId();
    api.start(id, environment("user-a"));
    fixture.table().set(id, Map.of("last_activity_at", AttributeValue.fromN("1000")));
    assertEquals(new JsonObject().put("status", "ok"),
        api.post("/activity", new JsonObject().put("session_id", id)).json());
    assertTrue(Long.parseLong(fixture.table().get(id).get("last_activity_at").n()) > 1000);
    String unknown = newId();
    assertEquals(404, api.post("/activity", new JsonObject().put("session_id", unknown)).status());
    assertTrue(fixture.table().get(unknown).isEmpty());
  }

  @Test
  void unknownIds_are404_onEveryRouteButStart_andNothingIsCreated() {
    String id = newId();
    for (String path : List.of("/resume", "/pause", "/stop", "/delete")) {
      ApiClient.Answer answer = api.call(path, id);
      assertEquals(404, answer.status(), path);
      assertEquals("no sandbox for this conversation", answer.json().getString("detail"));
    }
    assertEquals(404, api.get("/sessions/" + id).status());
    assertEquals(404, api.get("/runtime/" + id).status());
    assertTrue(fixture.table().get(id).isEmpty());
  }
}
