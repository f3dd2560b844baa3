package dev.openhands.runtime.orchestrator.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.ServiceProcess;
import dev.openhands.runtime.orchestrator.testkit.AgentBehaviour;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * An orchestrator process killed (SIGKILL) in the middle of a start, and started again: the sandbox ends
 * {@code RUNNING} or {@code ERROR}, never stuck in {@code STARTING}, and what the dead process made is released.
 */
@Timeout(180)
class CrashRecoveryTest {

  static OrchestratorFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = OrchestratorFixture.start("crashes");
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static ServiceProcess orchestrator(Map<String, String> env) throws Exception {
    return ServiceProcess.start(ServiceProcess.javaCommand(List.of("-Xmx256m"),
        "dev.openhands.runtime.orchestrator.Main"), env, Integer.parseInt(env.get("ORCHESTRATOR_PORT")));
  }

  static Map<String, String> environment() throws Exception {
    Map<String, String> env = fixture.environment();
    env.put("RECONCILE_INTERVAL", "500ms");
    env.put("START_TIMEOUT", "15s");
    return env;
  }

  static void startInBackground(Map<String, String> env, String id) {
    ApiClient api = new ApiClient(Integer.parseInt(env.get("ORCHESTRATOR_PORT")), OrchestratorFixture.API_KEY);
    Thread caller = new Thread(() -> {
      try {
        api.start(id, new JsonObject().put("USER_ID", "user-a"));
      } catch (RuntimeException e) {
        // the process is killed under the call: the app would see a failed request
      }
    });
    caller.setDaemon(true);
    caller.start();
  }

  static Map<String, AttributeValue> awaitItem(String id, java.util.function.Predicate<Map<String, AttributeValue>> done,
      Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Map<String, AttributeValue> item = fixture.table().get(id);
      if (!item.isEmpty() && done.test(item)) {
        return item;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(id + ": " + fixture.table().get(id));
  }

  @Test
  void killedAfterTheTaskWasRecorded_theRestartedOrchestratorFinishesTheStart() throws Exception {
    String id = "c0000000000000000000000000000001";
    fixture.ecs().behave(id, AgentBehaviour.slow(Duration.ofSeconds(3)));
    Map<String, String> env = environment();
    try (ServiceProcess first = orchestrator(env)) {
      startInBackground(env, id);
      awaitItem(id, item -> item.containsKey("task_arn"), Duration.ofSeconds(20));
      first.kill();
    }
    assertEquals("STARTING", fixture.table().get(id).get("status").s());
    try (ServiceProcess second = orchestrator(environment())) {
      Map<String, AttributeValue> item = awaitItem(id, i -> !i.get("status").s().equals("STARTING"),
          Duration.ofSeconds(20));
      assertEquals("RUNNING", item.get("status").s(), item.toString());
      assertEquals(1, fixture.ecs().running().stream().filter(t -> id.equals(t.conversationId)).count());
      second.terminate();
      assertEquals(0, second.awaitExit(Duration.ofSeconds(30)), "SIGTERM drains and exits 0");
    }
  }

  @Test
  void killedBeforeTheTaskWasRecorded_theSandboxFailsAtItsDeadline_andItsAccessPointIsReleased() throws Exception {
    String id = "c0000000000000000000000000000002";
    fixture.ecs().runTaskDelay(Duration.ofSeconds(2));
    Map<String, String> env = environment();
    try (ServiceProcess first = orchestrator(env)) {
      startInBackground(env, id);
      awaitItem(id, item -> item.containsKey("access_point_id"), Duration.ofSeconds(20));
      first.kill();
    } finally {
      fixture.ecs().runTaskDelay(Duration.ZERO);
    }
    String accessPoint = fixture.table().get(id).get("access_point_id").s();
    try (ServiceProcess second = orchestrator(environment())) {
      Map<String, AttributeValue> item = awaitItem(id, i -> !i.get("status").s().equals("STARTING"),
          Duration.ofSeconds(30));
      assertEquals("ERROR", item.get("status").s(), item.toString());
      item = awaitItem(id, i -> !i.containsKey("access_point_id"), Duration.ofSeconds(10));
      assertNull(item.get("task_arn"));
      assertTrue(fixture.efs().accessPoints().stream().noneMatch(a -> a.getString("AccessPointId")
          .equals(accessPoint)));
    }
  }
}
