package dev.openhands.runtime.orchestrator.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.orchestrator.Orchestrator;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import dev.openhands.runtime.orchestrator.testkit.StandInTask;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Concurrent calls for one conversation, on two orchestrator instances sharing the registry. */
@Timeout(120)
class LifecycleRaceTest {

  static OrchestratorFixture fixture;
  static List<Orchestrator> instances;
  static ApiClient first;
  static ApiClient second;
  static ExecutorService pool = Executors.newFixedThreadPool(50);

  @BeforeAll
  static void start() throws Exception {
    fixture = OrchestratorFixture.start("races");
    Orchestrator a = fixture.orchestrator(Map.of());
    Orchestrator b = fixture.orchestrator(Map.of());
    instances = List.of(a, b);
    first = fixture.client(a);
    second = fixture.client(b);
  }

  @AfterAll
  static void stop() throws Exception {
    pool.shutdownNow();
    fixture.close();
  }

  static List<ApiClient.Answer> concurrently(int n, java.util.function.IntFunction<ApiClient.Answer> call)
      throws Exception {
    List<Future<ApiClient.Answer>> running = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
      running.add(pool.submit(() -> call.apply(index)));
    }
    List<ApiClient.Answer> answers = new ArrayList<>();
    for (Future<ApiClient.Answer> f : running) {
      answers.add(f.get());
    }
    return answers;
  }

  static long runTasksFor(String id) {
    return fixture.ecs().calls("RunTask").stream().filter(r -> r.getString("clientToken").startsWith(id)).count();
  }

  @Test
  void fiftyConcurrentStarts_onTwoInstances_runExactlyOneTask() throws Exception {
    String id = "5050505050505050505050505050505a";
    List<ApiClient.Answer> answers = concurrently(50, i -> (i % 2 == 0 ? first : second)
        .start(id, new JsonObject().put("USER_ID", "user-a")));
    Set<String> keys = new HashSet<>();
    for (ApiClient.Answer answer : answers) {
      assertEquals(200, answer.status(), answer.body());
      String status = answer.json().getString("status");
      assertTrue(status.equals("running") || status.equals("starting"), status);
      keys.add(answer.json().getString("session_api_key"));
    }
    assertEquals(1, runTasksFor(id), "RunTask calls");
    assertEquals(1, keys.size(), "one session key for everyone");
    assertEquals(1, fixture.ecs().running().stream().filter(t -> id.equals(t.conversationId)).count());
    assertEquals(1, fixture.efs().accessPoints().stream()
        .filter(a -> a.getJsonObject("RootDirectory").getString("Path").endsWith(id)).count());
  }

  @Test
  void pauseRacingResume_endsInOneConsistentState_withNothingLeaked() throws Exception {
    for (int round = 0; round < 10; round++) {
      String id = String.format("7ace%028x", round);
      first.start(id, new JsonObject().put("USER_ID", "user-a"));
      first.call("/pause", id);
      List<ApiClient.Answer> answers = concurrently(8, i -> (i % 2 == 0 ? first : second)
          .call(i % 4 < 2 ? "/resume" : "/pause", id));
      answers.forEach(a -> assertEquals(200, a.status(), a.body()));
      awaitSettled(id);
      Map<String, AttributeValue> item = fixture.table().get(id);
      List<StandInTask> live = fixture.ecs().running().stream().filter(t -> id.equals(t.conversationId)).toList();
      String status = item.get("status").s();
      if (status.equals("PAUSED")) {
        assertTrue(live.isEmpty(), "paused with live tasks " + live.size());
        assertTrue(item.get("task_arn") == null, "a paused item names no task");
      } else {
        assertEquals("RUNNING", status);
        assertEquals(1, live.size(), "running with one task");
        assertEquals(live.get(0).arn, item.get("task_arn").s());
      }
      long pathAccessPoints = fixture.efs().accessPoints().stream()
          .filter(a -> a.getJsonObject("RootDirectory").getString("Path").endsWith(id)).count();
      assertEquals(status.equals("PAUSED") ? 0 : 1, pathAccessPoints, "access points of " + id);
    }
  }

  /**
   * Waits until no instance is launching anything and the item is at rest: not STARTING, and naming a task exactly
   * when it is RUNNING (a teardown forgets the task last).
   */
  static void awaitSettled(String id) throws InterruptedException {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (System.nanoTime() < deadline) {
      Map<String, AttributeValue> item = fixture.table().get(id);
      String status = item.get("status").s();
      boolean atRest = !status.equals("STARTING") && item.containsKey("task_arn") == status.equals("RUNNING")
          && instances.stream().allMatch(o -> o.launchesInFlight() == 0);
      if (atRest) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(id + " not at rest: " + fixture.table().get(id));
  }
}
