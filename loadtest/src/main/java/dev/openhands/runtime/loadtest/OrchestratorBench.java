package dev.openhands.runtime.loadtest;

import dev.openhands.runtime.orchestrator.Orchestrator;
import dev.openhands.runtime.orchestrator.testkit.AgentBehaviour;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import dev.openhands.runtime.orchestrator.testkit.StandInTask;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Measures the orchestrator against the ECS and EFS stand-ins and DynamoDB Local, all in this JVM, with the
 * production timings ({@link Orchestrator.Tuning#DEFAULT}).
 *
 * <ul>
 *   <li>{@code starts <n>}: n starts one after another (after 20 not counted), the provider answering at once and the
 *       agent-server alive at once, so the latency is what the orchestrator adds: p50, p99, and the mean per step;
 *   <li>{@code cycles <sandboxes> <seconds>}: two orchestrators, the reconciler every 2 s with a 10 s idle timeout,
 *       32 clients driving random start/pause/resume/stop calls for that long; then everything settles and each
 *       item is checked against the stand-ins (a running item names exactly its one live task; a stopped one names
 *       nothing and has none; no task, access point or revision that no running item names).
 * </ul>
 */
public final class OrchestratorBench {

  private OrchestratorBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: OrchestratorBench starts <n> | cycles <sandboxes> <seconds>");
      System.exit(2);
    }
    try (OrchestratorFixture fixture = OrchestratorFixture.start("bench")) {
      if (args[0].equals("starts")) {
        starts(fixture, Integer.parseInt(args[1]));
      } else {
        cycles(fixture, Integer.parseInt(args[1]), Integer.parseInt(args[2]));
      }
    }
    System.exit(0);
  }

  static void starts(OrchestratorFixture fixture, int n) throws Exception {
    fixture.ecs().provisioning(Duration.ofMillis(1));
    Orchestrator orchestrator = fixture.orchestrator(Map.of(), Orchestrator.Tuning.DEFAULT);
    ApiClient api = fixture.client(orchestrator);
    long[] micros = new long[n];
    for (int i = -20; i < n; i++) {
      String id = String.format("5a%030x", i + 1000);
      long started = System.nanoTime();
      ApiClient.Answer answer = api.start(id, new JsonObject().put("USER_ID", "bench-user"));
      long took = (System.nanoTime() - started) / 1000;
      if (!"running".equals(answer.json().getString("status"))) {
        throw new IllegalStateException("start " + i + ": " + answer.body());
      }
      if (i >= 0) {
        micros[i] = took;
      }
    }
    Arrays.sort(micros);
    System.out.printf("starts: %d, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", n, micros[n / 2] / 1000.0,
        micros[n * 9 / 10] / 1000.0, micros[Math.min(n - 1, n * 99 / 100)] / 1000.0, micros[n - 1] / 1000.0);
    String metrics = orchestrator.metrics().scrape();
    for (String step : List.of("prepare", "run", "address", "alive")) {
      System.out.printf("  step %-8s mean %.1f ms%n", step, mean(metrics, "orchestrator_start_step_seconds",
          "step=\"" + step + "\"") * 1000);
    }
    System.out.printf("  whole start (STARTING to RUNNING) mean %.1f ms%n",
        mean(metrics, "orchestrator_start_seconds", "outcome=\"running\"") * 1000);
  }

  static void cycles(OrchestratorFixture fixture, int sandboxes, int seconds) throws Exception {
    Map<String, String> settings = Map.of("RECONCILE_INTERVAL", "2s", "IDLE_TIMEOUT", "10s");
    Orchestrator first = fixture.orchestrator(settings, Orchestrator.Tuning.DEFAULT);
    Orchestrator second = fixture.orchestrator(settings, Orchestrator.Tuning.DEFAULT);
    List<ApiClient> clients = List.of(fixture.client(first), fixture.client(second));
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < sandboxes; i++) {
      String id = String.format("c7%030x", i);
      ids.add(id);
      if (i % 10 == 0) {
        fixture.ecs().behave(id, AgentBehaviour.busy());
      }
    }
    Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    AtomicLong failures = new AtomicLong();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    ExecutorService pool = Executors.newFixedThreadPool(32);
    for (int w = 0; w < 32; w++) {
      pool.execute(() -> {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (System.nanoTime() < deadline) {
          String id = ids.get(random.nextInt(ids.size()));
          ApiClient api = clients.get(random.nextInt(clients.size()));
          String call = List.of("/start", "/pause", "/resume", "/stop").get(random.nextInt(4));
          ApiClient.Answer answer = call.equals("/start")
              ? api.start(id, new JsonObject().put("USER_ID", "user-" + id.substring(28)))
              : api.call(call, id);
          calls.computeIfAbsent(call + " " + answer.status(), k -> new AtomicLong()).incrementAndGet();
          if (answer.status() >= 500) {
            failures.incrementAndGet();
          }
        }
      });
    }
    pool.shutdown();
    pool.awaitTermination(seconds + 60, TimeUnit.SECONDS);
    long transitions = (long) (sum(first.metrics().scrape(), "orchestrator_transitions_total", "outcome=\"ok\"")
        + sum(second.metrics().scrape(), "orchestrator_transitions_total", "outcome=\"ok\""));
    System.out.printf("cycles: %d sandboxes, %d s, API calls %s, 5xx %d, transitions done %d%n", sandboxes, seconds,
        calls, failures.get(), transitions);
    settle(fixture, first, second);
    List<String> wrong = check(fixture, ids);
    System.out.printf("items in a wrong state after settling: %d%n", wrong.size());
    wrong.stream().limit(20).forEach(w -> System.out.println("  " + w));
    System.out.printf("sweep changes: %s%n", changes(first.metrics().scrape() + second.metrics().scrape()));
  }

  /** Waits until no item is STARTING and two rounds of sweeps changed nothing more. */
  static void settle(OrchestratorFixture fixture, Orchestrator first, Orchestrator second) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      boolean starting = fixture.table().all().stream().anyMatch(i -> "STARTING".equals(i.get("status").s()));
      if (!starting) {
        break;
      }
      Thread.sleep(500);
    }
    for (int round = 0; round < 2; round++) {
      OrchestratorFixture.await(first.reconcileNow());
      OrchestratorFixture.await(second.reconcileNow());
    }
  }

  static List<String> check(OrchestratorFixture fixture, List<String> ids) {
    List<String> wrong = new ArrayList<>();
    Set<String> named = new HashSet<>();
    Set<String> namedAccessPoints = new HashSet<>();
    for (Map<String, AttributeValue> item : fixture.table().all()) {
      String id = item.get("conversation_id").s();
      String status = item.get("status").s();
      List<StandInTask> live = fixture.ecs().running().stream().filter(t -> id.equals(t.conversationId)).toList();
      String arn = item.containsKey("task_arn") ? item.get("task_arn").s() : null;
      if (arn != null) {
        named.add(arn);
      }
      if (item.containsKey("access_point_id")) {
        namedAccessPoints.add(item.get("access_point_id").s());
      }
      switch (status) {
        case "RUNNING" -> {
          if (live.size() != 1 || !live.get(0).arn.equals(arn) || !live.get(0).ip.equals(item.get("task_ip").s())) {
            wrong.add(id + " RUNNING with live tasks " + live.size() + " named " + arn);
          }
        }
        case "PAUSED", "STOPPED", "ERROR" -> {
          if (!live.isEmpty() || arn != null || item.containsKey("access_point_id")) {
            wrong.add(id + " " + status + " with " + live.size() + " live tasks, task_arn " + arn);
          }
          if (status.equals("ERROR")) {
            wrong.add(id + " ERROR: " + item.get("status_reason"));
          }
        }
        default -> wrong.add(id + " left " + status);
      }
    }
    fixture.ecs().running().stream().filter(t -> !named.contains(t.arn))
        .forEach(t -> wrong.add("live task no item names: " + t.arn + " of " + t.conversationId));
    fixture.efs().accessPoints().stream().filter(a -> !namedAccessPoints.contains(a.getString("AccessPointId")))
        .forEach(a -> wrong.add("access point no item names: " + a.getString("AccessPointId")));
    long running = fixture.table().all().stream().filter(i -> "RUNNING".equals(i.get("status").s())).count();
    if (fixture.ecs().activeRevisions().size() != running) {
      wrong.add("active revisions " + fixture.ecs().activeRevisions().size() + " for " + running + " running");
    }
    return wrong;
  }

  private static double mean(String scrape, String name, String label) {
    double sum = value(scrape, name + "_sum", label);
    double count = value(scrape, name + "_count", label);
    return count == 0 ? 0 : sum / count;
  }

  private static double value(String scrape, String name, String label) {
    Matcher m = sample(scrape, name, label);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  private static double sum(String scrape, String name, String label) {
    Matcher m = sample(scrape, name, label);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }

  /** The samples of meter {@code name} whose labels include {@code label}, their value in group 1. */
  private static Matcher sample(String scrape, String name, String label) {
    return Pattern.compile("^" + name + "\\{[^}]*" + Pattern.quote(label) + "[^}]*} ([0-9.eE+-]+)$",
        Pattern.MULTILINE).matcher(scrape);
  }

  private static Map<String, Double> changes(String scrape) {
    Map<String, Double> changes = new java.util.TreeMap<>();
    Matcher m = Pattern.compile("^orchestrator_reconcile_changes_total\\{change=\"([^\"]+)\",sweep=\"([^\"]+)\"} "
        + "([0-9.]+)$", Pattern.MULTILINE).matcher(scrape);
    while (m.find()) {
      changes.merge(m.group(2) + "/" + m.group(1), Double.parseDouble(m.group(3)), Double::sum);
    }
    return changes;
  }
}
