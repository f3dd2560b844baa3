package dev.openhands.runtime.orchestrator.reconcile;

import static dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.orchestrator.Orchestrator;
import dev.openhands.runtime.orchestrator.testkit.AgentBehaviour;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import dev.openhands.runtime.orchestrator.testkit.StandInTask;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Each sweep of the reconciler against the stand-ins, with time moved by writing old timestamps. */
@Timeout(120)
class ReconcilerTest {

  @TempDir
  static Path workspaces;
  static OrchestratorFixture fixture;
  static Orchestrator first;
  static Orchestrator second;
  static ApiClient api;
  static final AtomicLong ids = new AtomicLong(0x2200);

  @BeforeAll
  static void start() throws Exception {
    fixture = OrchestratorFixture.start("reconcile");
    first = fixture.orchestrator(Map.of("WORKSPACE_ROOT", workspaces.toString()));
    second = fixture.orchestrator(Map.of("WORKSPACE_ROOT", workspaces.toString()));
    api = fixture.client(first);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static String newId() {
    return String.format("%032x", ids.incrementAndGet());
  }

  static String started(String user) {
    String id = newId();
    ApiClient.Answer answer = api.start(id, new JsonObject().put("USER_ID", user));
    assertEquals("running", answer.json().getString("status"), answer.body());
    return id;
  }

  static StandInTask taskOf(String id) {
    return fixture.ecs().task(fixture.table().get(id).get("task_arn").s());
  }

  static void lastActive(String id, Duration ago) {
    fixture.table().set(id, Map.of("last_activity_at",
        AttributeValue.fromN(Long.toString(Instant.now().minus(ago).getEpochSecond()))));
  }

  static String status(String id) {
    return fixture.table().get(id).get("status").s();
  }

  @Test
  void idleSandbox_isPaused_andItsTaskStopped() throws Exception {
    String id = started("user-a");
    StandInTask task = taskOf(id);
    lastActive(id, Duration.ofMinutes(31));
    await(first.reconcileNow());
    assertEquals("PAUSED", status(id));
    assertEquals("STOPPED", task.lastStatus());
    assertTrue(task.stoppedReason().startsWith("idle for 30 minutes"), task.stoppedReason());
    assertNull(fixture.table().get(id).get("access_point_id"));
  }

  @Test
  void idleSandboxWhoseAgentIsWorking_isSpared_andItsActivityTouched() throws Exception {
    String id = newId();
    fixture.ecs().behave(id, AgentBehaviour.busy());
    api.start(id, new JsonObject().put("USER_ID", "user-a"));
    StandInTask task = taskOf(id);
    lastActive(id, Duration.ofHours(2));
    long before = Instant.now().minus(Duration.ofHours(2)).getEpochSecond();
    await(first.reconcileNow());
    assertEquals("RUNNING", status(id));
    assertEquals("RUNNING", task.lastStatus());
    assertTrue(task.agent().searches() >= 1, "the agent-server was asked, with the session key");
    assertTrue(Long.parseLong(fixture.table().get(id).get("last_activity_at").n()) > before + 3600);
  }

  @Test
  void recentlyActiveSandbox_isLeftAlone() throws Exception {
    String id = started("user-a");
    lastActive(id, Duration.ofMinutes(29));
    await(first.reconcileNow());
    assertEquals("RUNNING", status(id));
  }

  @Test
  void vanishedTask_marksTheSandboxStopped_andReleasesItsResources() throws Exception {
    String id = started("user-a");
    String accessPoint = fixture.table().get(id).get("access_point_id").s();
    fixture.ecs().exit(taskOf(id).arn, "Essential container in task exited");
    await(first.reconcileNow());
    Map<String, AttributeValue> item = fixture.table().get(id);
    assertEquals("STOPPED", item.get("status").s());
    assertNull(item.get("task_ip"));
    assertNull(item.get("access_point_id"));
    assertTrue(fixture.efs().accessPoints().stream().noneMatch(a -> a.getString("AccessPointId").equals(accessPoint)));
  }

  @Test
  void startingPastItsDeadline_fails_andItsTaskIsStopped() throws Exception {
    String id = newId();
    StandInTask task = fixture.ecs().foreignTask(id, Duration.ofMinutes(1));
    fixture.table().put(id, "STARTING", null, "user-a");
    fixture.table().set(id, Map.of("task_arn", AttributeValue.fromS(task.arn), "generation", AttributeValue.fromN("3"),
        "starting_deadline", AttributeValue.fromN(Long.toString(Instant.now().getEpochSecond() - 1))));
    await(first.reconcileNow());
    Map<String, AttributeValue> item = fixture.table().get(id);
    assertEquals("ERROR", item.get("status").s());
    assertEquals("did not start within the start timeout", item.get("status_reason").s());
    assertEquals("4", item.get("generation").n());
    assertEquals("STOPPED", task.lastStatus());
    assertEquals("error", api.get("/sessions/" + id).json().getString("status"));
    assertEquals("failed", api.get("/sessions/" + id).json().getString("pod_status"));
  }

  @Test
  void orphanTask_olderThanFiveMinutes_isStopped_youngerOnesAndTrackedOnesAreNot() throws Exception {
    StandInTask old = fixture.ecs().foreignTask(newId(), Duration.ofMinutes(6));
    StandInTask young = fixture.ecs().foreignTask(newId(), Duration.ofMinutes(2));
    StandInTask untagged = fixture.ecs().foreignTask(null, Duration.ofMinutes(10));
    String tracked = started("user-a");
    await(first.reconcileNow());
    assertEquals("STOPPED", old.lastStatus());
    assertEquals("orphan: no registry item names this task", old.stoppedReason());
    assertEquals("STOPPED", untagged.lastStatus());
    assertEquals("RUNNING", young.lastStatus());
    assertEquals("RUNNING", taskOf(tracked).lastStatus());
  }

  @Test
  void retention_archivesOldStoppedSandboxes_andRemovesTheirWorkspace_withoutFollowingLinks() throws Exception {
    String id = started("user-a");
    Path workspace = Files.createDirectories(workspaces.resolve(id).resolve("project"));
    Files.writeString(workspace.resolve("app.py"), "print('hi')");
    Path outside = Files.writeString(workspaces.resolve("outside-" + id + ".txt"), "keep me");
    Files.createSymbolicLink(workspace.resolve("link-out"), outside);
    api.call("/pause", id);
    lastActive(id, Duration.ofDays(181));
    String keep = started("user-b");
    api.call("/stop", keep);
    lastActive(keep, Duration.ofDays(179));

    await(first.reconcileNow());
    Map<String, AttributeValue> item = fixture.table().get(id);
    assertEquals("ARCHIVED", item.get("status").s());
    assertFalse(Files.exists(workspaces.resolve(id)), "workspace removed");
    assertEquals("keep me", Files.readString(outside), "a link's target is not removed");
    assertNull(item.get("workspace_removal_pending"));
    assertNull(item.get("start_environment"));
    assertEquals("STOPPED", status(keep));
  }

  @Test
  void cleanup_releasesWhatAStoppedItemStillNames() throws Exception {
    String id = newId();
    StandInTask leftover = fixture.ecs().foreignTask(id, Duration.ofMinutes(1));
    fixture.table().put(id, "PAUSED", null, "user-a");
    fixture.table().set(id, Map.of("task_arn", AttributeValue.fromS(leftover.arn), "generation",
        AttributeValue.fromN("2")));
    await(first.reconcileNow());
    assertEquals("STOPPED", leftover.lastStatus());
    assertNull(fixture.table().get(id).get("task_arn"));
    assertEquals("PAUSED", status(id));
  }

  @Test
  void twoInstancesSweepingAtOnce_pauseAnIdleSandboxOnce() throws Exception {
    String id = started("user-a");
    lastActive(id, Duration.ofHours(1));
    double before = pausedOk(first) + pausedOk(second);
    await(Future.join(first.reconcileNow(), second.reconcileNow()));
    assertEquals("PAUSED", status(id));
    assertEquals(before + 1, pausedOk(first) + pausedOk(second), "one transition to PAUSED between both");
  }

  private static final Pattern PAUSED_OK = Pattern.compile(
      "orchestrator_transitions_total\\{from=\"running\",outcome=\"ok\",to=\"paused\"} ([0-9.]+)");

  static double pausedOk(Orchestrator orchestrator) {
    Matcher m = PAUSED_OK.matcher(orchestrator.metrics().scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
