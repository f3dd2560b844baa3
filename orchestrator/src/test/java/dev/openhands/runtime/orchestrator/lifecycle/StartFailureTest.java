package dev.openhands.runtime.orchestrator.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.orchestrator.Orchestrator;
import dev.openhands.runtime.orchestrator.testkit.AgentBehaviour;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Starts that take long or fail: RUNNING only once the agent-server answers, ERROR (and nothing left) otherwise. */
@Timeout(120)
class StartFailureTest {

  static OrchestratorFixture fixture;
  static Orchestrator orchestrator;
  static ApiClient api;

  @BeforeAll
  static void start() throws Exception {
    fixture = OrchestratorFixture.start("failures");
    orchestrator = fixture.orchestrator(Map.of("START_TIMEOUT", "10s"));
    api = fixture.client(orchestrator);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @AfterEach
  void runTasksAgain() {
    fixture.ecs().refuseRunTask(null);
  }

  static Map<String, AttributeValue> awaitStatus(String id, String status) throws InterruptedException {
    return awaitItem(id, item -> item.containsKey("status") && status.equals(item.get("status").s()),
        "became " + status);
  }

  /** The item once {@code done} holds for it, polling for up to 20 s. */
  static Map<String, AttributeValue> awaitItem(String id, Predicate<Map<String, AttributeValue>> done, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, AttributeValue> item = fixture.table().get(id);
      if (done.test(item)) {
        return item;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(id + " never " + what + ": " + fixture.table().get(id));
  }

  /** The item once its teardown is over: it names no task and no provider resources any more. */
  static Map<String, AttributeValue> awaitReleased(String id) throws InterruptedException {
    return awaitItem(id, item -> !item.containsKey("task_arn") && !item.containsKey("access_point_id")
        && !item.containsKey("task_definition_arn"), "released its task and resources");
  }

  @Test
  void slowAgentServer_startAnswersStarting_thenRunningOnceAlive() throws Exception {
    String id = "51000000000000000000000000000001";
    fixture.ecs().behave(id, AgentBehaviour.slow(Duration.ofMillis(3500)));
    long started = System.nanoTime();
    ApiClient.Answer answer = api.start(id, new JsonObject().put("USER_ID", "user-a"));
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    assertEquals("starting", answer.json().getString("status"), answer.body());
    assertEquals("pending", answer.json().getString("pod_status"));
    assertEquals("", answer.json().getString("url"), "no URL before the agent-server answers");
    assertTrue(tookMs < 3400, "answered within the answer window: " + tookMs + " ms");
    assertEquals(200, api.start(id, new JsonObject()).status(), "a second start while starting is answered as is");
    awaitStatus(id, "RUNNING");
    assertEquals("running", api.get("/sessions/" + id).json().getString("status"));
    assertEquals(1, fixture.ecs().calls("RunTask").stream()
        .filter(r -> r.getString("clientToken").startsWith(id)).count());
  }

  @Test
  void agentServerNeverAlive_errorAtTheDeadline_taskStopped_resourcesReleased() throws Exception {
    String id = "51000000000000000000000000000002";
    fixture.ecs().behave(id, AgentBehaviour.alwaysFailing());
    api.start(id, new JsonObject().put("USER_ID", "user-a"));
    Map<String, AttributeValue> item = awaitStatus(id, "ERROR");
    assertEquals("did not start within the start timeout", item.get("status_reason").s());
    item = awaitReleased(id);
    assertNull(item.get("task_arn"));
    assertNull(item.get("access_point_id"));
    assertTrue(fixture.ecs().running().stream().noneMatch(t -> id.equals(t.conversationId)));
    assertTrue(fixture.efs().accessPoints().stream()
        .noneMatch(a -> a.getJsonObject("RootDirectory").getString("Path").endsWith(id)));
    JsonObject runtime = api.get("/sessions/" + id).json();
    assertEquals("error", runtime.getString("status"));
    assertEquals("did not start within the start timeout", runtime.getString("error"));

    fixture.ecs().behave(id, AgentBehaviour.READY);
    assertEquals("running", api.start(id, new JsonObject()).json().getString("status"), "an errored sandbox starts");
  }

  @Test
  void runTaskRefused_errorWithTheReason_accessPointAndRevisionReleased() throws Exception {
    String id = "51000000000000000000000000000003";
    fixture.ecs().refuseRunTask("RESOURCE:MEMORY");
    ApiClient.Answer answer = api.start(id, new JsonObject().put("USER_ID", "user-a"));
    assertEquals("error", answer.json().getString("status"), answer.body());
    Map<String, AttributeValue> item = awaitStatus(id, "ERROR");
    assertTrue(item.get("status_reason").s().contains("RESOURCE:MEMORY"), item.toString());
    awaitReleased(id);
    assertTrue(fixture.efs().accessPoints().stream()
        .noneMatch(a -> a.getJsonObject("RootDirectory").getString("Path").endsWith(id)));
    assertTrue(fixture.ecs().activeRevisions().stream().noneMatch(d -> d.getJsonArray("volumes").encode()
        .contains(fixture.table().get(id).getOrDefault("access_point_id", AttributeValue.fromS("none")).s())));
    assertNull(fixture.table().get(id).get("task_definition_arn"));
  }

  @Test
  void pauseWhileStarting_stopsTheStart_andLeavesNoTask() throws Exception {
    String id = "51000000000000000000000000000004";
    fixture.ecs().behave(id, AgentBehaviour.slow(Duration.ofSeconds(2)));
    fixture.ecs().provisioning(Duration.ofMillis(300));
    try {
      Thread starter = new Thread(() -> api.start(id, new JsonObject().put("USER_ID", "user-a")));
      starter.start();
      awaitItem(id, item -> item.containsKey("access_point_id"), "began its launch");
      assertEquals(200, api.call("/pause", id).status());
      starter.join();
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (orchestrator.launchesInFlight() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(0, orchestrator.launchesInFlight(), "the abandoned launch ended");
      awaitReleased(id);
      assertEquals("PAUSED", fixture.table().get(id).get("status").s());
      assertTrue(fixture.ecs().running().stream().noneMatch(t -> id.equals(t.conversationId)),
          "the task of the abandoned start is stopped");
      assertTrue(fixture.efs().accessPoints().stream()
          .noneMatch(a -> a.getJsonObject("RootDirectory").getString("Path").endsWith(id)));
    } finally {
      fixture.ecs().provisioning(Duration.ofMillis(50));
    }
  }
}
