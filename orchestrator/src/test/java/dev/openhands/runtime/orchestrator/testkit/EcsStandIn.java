package dev.openhands.runtime.orchestrator.testkit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Amazon ECS as the orchestrator's SDK client sees it, on 127.0.0.1: the AWS JSON 1.1 protocol ({@code POST /} with
 * {@code X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>}) for RunTask, DescribeTasks, StopTask,
 * ListTasks and the task-definition calls. A task "runs" on its own loopback address in 127.1.0.0/16: after
 * {@link #provisioning} it turns RUNNING and an {@link AgentServerStandIn} listens there on the agent port, behaving
 * as {@link #behave} said for its conversation. Every call is recorded for assertions.
 */
public final class EcsStandIn {

  static final String TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113.";
  public static final String FAMILY = "openhands-sandbox";
  public static final String CLUSTER = "openhands-test";

  private final Vertx vertx;
  private final int agentPort;
  private final Map<String, StandInTask> tasks = new ConcurrentHashMap<>();
  private final Map<String, String> byClientToken = new ConcurrentHashMap<>();
  private final Map<String, AgentBehaviour> behaviours = new ConcurrentHashMap<>();
  private final List<JsonObject> definitions = new CopyOnWriteArrayList<>();
  private final List<JsonObject> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger addresses = new AtomicInteger();
  private volatile Duration provisioning = Duration.ofMillis(50);
  private volatile String refuseRunTask;
  private volatile Duration runTaskDelay = Duration.ZERO;
  private HttpServer server;

  public EcsStandIn(Vertx vertx, int agentPort) {
    this.vertx = vertx;
    this.agentPort = agentPort;
    definitions.add(baseDefinition(1));
  }

  public Future<EcsStandIn> start() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(this::handle);
    return server.listen().map(this);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  /** How long a new task stays PROVISIONING before it runs. */
  public void provisioning(Duration delay) {
    provisioning = delay;
  }

  /** How the agent-server of {@code conversationId}'s future tasks behaves. */
  public void behave(String conversationId, AgentBehaviour behaviour) {
    behaviours.put(conversationId, behaviour);
  }

  /** How long RunTask takes before it runs the task and answers. */
  public void runTaskDelay(Duration delay) {
    runTaskDelay = delay;
  }

  /** Makes RunTask answer with a failure of this reason ({@code null}: run tasks again). */
  public void refuseRunTask(String reason) {
    refuseRunTask = reason;
  }

  /** Every call of {@code operation}, its request body as sent. */
  public List<JsonObject> calls(String operation) {
    return calls.stream().filter(c -> operation.equals(c.getString("operation"))).map(c -> c.getJsonObject("body"))
        .toList();
  }

  /** Tasks whose desired status is RUNNING. */
  public List<StandInTask> running() {
    return tasks.values().stream().filter(t -> "RUNNING".equals(t.desiredStatus)).toList();
  }

  public StandInTask task(String arn) {
    return tasks.get(arn);
  }

  /** Task-definition revisions registered beyond the base one that are still ACTIVE. */
  public List<JsonObject> activeRevisions() {
    return definitions.stream().filter(d -> d.getInteger("revision") > 1 && "ACTIVE".equals(d.getString("status")))
        .toList();
  }

  /** A task that exits by itself (crashed, or stopped by someone else). */
  public void exit(String arn, String reason) {
    StandInTask task = tasks.get(arn);
    task.stop(reason);
  }

  /** A task of the family that no orchestrator knows of, created {@code age} ago. */
  public StandInTask foreignTask(String conversationId, Duration age) {
    StandInTask task = newTask(conversationId, FAMILY + ":1", Map.of(), new JsonArray());
    task.createdAtMillis = System.currentTimeMillis() - age.toMillis();
    task.lastStatus = "RUNNING";
    return task;
  }

  private void handle(HttpServerRequest request) {
    String target = request.getHeader("X-Amz-Target");
    request.body().onSuccess(buffer -> {
      JsonObject body = buffer.length() == 0 ? new JsonObject() : buffer.toJsonObject();
      String operation = target == null ? "" : target.substring(TARGET_PREFIX.length());
      calls.add(new JsonObject().put("operation", operation).put("body", body));
      if (operation.equals("RunTask") && !runTaskDelay.isZero()) {
        vertx.setTimer(runTaskDelay.toMillis(), id -> answer(request, operation, body));
      } else {
        answer(request, operation, body);
      }
    });
  }

  private void answer(HttpServerRequest request, String operation, JsonObject body) {
    try {
      ok(request, switch (operation) {
        case "RunTask" -> runTask(body);
        case "DescribeTasks" -> describeTasks(body);
        case "StopTask" -> stopTask(body);
        case "ListTasks" -> listTasks(body);
        case "DescribeTaskDefinition" -> new JsonObject().put("taskDefinition", definition(
            body.getString("taskDefinition")));
        case "RegisterTaskDefinition" -> register(body);
        case "DeregisterTaskDefinition" -> deregister(body);
        default -> throw new ClientError("InvalidAction", "unknown operation " + operation);
      });
    } catch (ClientError e) {
      request.response().setStatusCode(400).putHeader("Content-Type", "application/x-amz-json-1.1")
          .end(new JsonObject().put("__type", e.type).put("message", e.getMessage()).encode());
    }
  }

  private static void ok(HttpServerRequest request, JsonObject answer) {
    request.response().putHeader("Content-Type", "application/x-amz-json-1.1").end(answer.encode());
  }

  private JsonObject runTask(JsonObject body) {
    if (refuseRunTask != null) {
      return new JsonObject().put("tasks", new JsonArray()).put("failures", new JsonArray()
          .add(new JsonObject().put("reason", refuseRunTask)));
    }
    String token = body.getString("clientToken");
    if (token != null && byClientToken.containsKey(token)) {
      return new JsonObject().put("tasks", new JsonArray().add(tasks.get(byClientToken.get(token)).json()))
          .put("failures", new JsonArray());
    }
    JsonArray tags = body.getJsonArray("tags", new JsonArray());
    String conversationId = tags.stream().map(t -> (JsonObject) t).filter(t -> "conversation_id".equals(
        t.getString("key"))).map(t -> t.getString("value")).findFirst().orElse(null);
    Map<String, String> environment = new java.util.LinkedHashMap<>();
    JsonArray overrides = body.getJsonObject("overrides", new JsonObject()).getJsonArray("containerOverrides",
        new JsonArray());
    for (Object o : overrides) {
      for (Object e : ((JsonObject) o).getJsonArray("environment", new JsonArray())) {
        environment.put(((JsonObject) e).getString("name"), ((JsonObject) e).getString("value"));
      }
    }
    definition(body.getString("taskDefinition"));
    StandInTask task = newTask(conversationId, body.getString("taskDefinition"), environment, tags);
    task.startedBy = body.getString("startedBy");
    if (token != null) {
      byClientToken.put(token, task.arn);
    }
    vertx.setTimer(Math.max(1, provisioning.toMillis()), id -> task.run(vertx, agentPort,
        behaviours.getOrDefault(conversationId, AgentBehaviour.READY)));
    return new JsonObject().put("tasks", new JsonArray().add(task.json())).put("failures", new JsonArray());
  }

  private StandInTask newTask(String conversationId, String taskDefinition, Map<String, String> environment,
      JsonArray tags) {
    int n = addresses.incrementAndGet();
    String ip = "127.1." + (n / 250) + "." + (n % 250 + 1);
    String arn = "arn:aws:ecs:us-east-1:123456789012:task/" + CLUSTER + "/" + String.format("%032x", n);
    StandInTask task = new StandInTask(arn, conversationId, taskDefinition, environment, tags, ip);
    tasks.put(arn, task);
    return task;
  }

  private JsonObject describeTasks(JsonObject body) {
    JsonArray found = new JsonArray();
    JsonArray failures = new JsonArray();
    for (Object arn : body.getJsonArray("tasks", new JsonArray())) {
      StandInTask task = tasks.get((String) arn);
      if (task == null) {
        failures.add(new JsonObject().put("arn", arn).put("reason", "MISSING"));
      } else {
        found.add(task.json());
      }
    }
    return new JsonObject().put("tasks", found).put("failures", failures);
  }

  private JsonObject stopTask(JsonObject body) {
    StandInTask task = tasks.get(body.getString("task"));
    if (task == null) {
      throw new ClientError("InvalidParameterException", "The referenced task was not found.");
    }
    task.stop(body.getString("reason", "Task stopped by user"));
    return new JsonObject().put("task", task.json());
  }

  private JsonObject listTasks(JsonObject body) {
    String family = body.getString("family");
    List<String> arns = new ArrayList<>();
    tasks.values().stream()
        .filter(t -> "RUNNING".equals(t.desiredStatus))
        .filter(t -> family == null || t.taskDefinition.startsWith(family + ":") || t.taskDefinition.equals(family)
            || t.taskDefinition.contains("/" + family + ":"))
        .sorted((a, b) -> a.arn.compareTo(b.arn))
        .forEach(t -> arns.add(t.arn));
    int from = body.getString("nextToken") == null ? 0 : Integer.parseInt(body.getString("nextToken"));
    int max = body.getInteger("maxResults", 100);
    int to = Math.min(arns.size(), from + max);
    JsonObject page = new JsonObject().put("taskArns", new JsonArray(arns.subList(from, to)));
    if (to < arns.size()) {
      page.put("nextToken", Integer.toString(to));
    }
    return page;
  }

  private JsonObject definition(String reference) {
    for (int i = definitions.size() - 1; i >= 0; i--) {
      JsonObject d = definitions.get(i);
      boolean matches = d.getString("taskDefinitionArn").equals(reference)
          || (d.getString("family").equals(reference) && "ACTIVE".equals(d.getString("status")))
          || (d.getString("family") + ":" + d.getInteger("revision")).equals(reference);
      if (matches) {
        return d;
      }
    }
    throw new ClientError("ClientException", "Unable to describe task definition.");
  }

  private JsonObject register(JsonObject body) {
    JsonObject definition = body.copy();
    int revision = definitions.size() + 1;
    definition.remove("tags");
    definition.put("revision", revision).put("status", "ACTIVE")
        .put("taskDefinitionArn", "arn:aws:ecs:us-east-1:123456789012:task-definition/" + body.getString("family")
            + ":" + revision)
        .put("registeredTags", body.getJsonArray("tags", new JsonArray()));
    definitions.add(definition);
    return new JsonObject().put("taskDefinition", definition).put("tags", body.getJsonArray("tags", new JsonArray()));
  }

  private JsonObject deregister(JsonObject body) {
    String arn = body.getString("taskDefinition");
    for (JsonObject d : definitions) {
      if (d.getString("taskDefinitionArn").equals(arn)) {
        if (!"ACTIVE".equals(d.getString("status"))) {
          throw new ClientError("ClientException", "The specified task definition is inactive.");
        }
        d.put("status", "INACTIVE");
        return new JsonObject().put("taskDefinition", d);
      }
    }
    throw new ClientError("ClientException", "The specified task definition does not exist.");
  }

  private static JsonObject baseDefinition(int revision) {
    return new JsonObject()
        .put("taskDefinitionArn", "arn:aws:ecs:us-east-1:123456789012:task-definition/" + FAMILY + ":" + revision)
        .put("family", FAMILY).put("revision", revision).put("status", "ACTIVE")
        .put("taskRoleArn", "arn:aws:iam::123456789012:role/sandbox-task")
        .put("executionRoleArn", "arn:aws:iam::123456789012:role/sandbox-execution")
        .put("networkMode", "awsvpc").put("cpu", "2048").put("memory", "4096")
        .put("requiresCompatibilities", new JsonArray().add("FARGATE"))
        .put("runtimePlatform", new JsonObject().put("cpuArchitecture", "ARM64").put("operatingSystemFamily", "LINUX"))
        .put("containerDefinitions", new JsonArray().add(new JsonObject().put("name", "agent-server")
            .put("image", "ghcr.io/openhands/agent-server:1.19.1-python").put("essential", true)
            .put("mountPoints", new JsonArray().add(new JsonObject().put("sourceVolume", "workspace")
                .put("containerPath", "/mnt/efs")))))
        .put("volumes", new JsonArray().add(new JsonObject().put("name", "workspace")
            .put("efsVolumeConfiguration", new JsonObject().put("fileSystemId", "fs-0123456789abcdef0")
                .put("transitEncryption", "ENABLED")
                .put("authorizationConfig", new JsonObject().put("accessPointId", "fsap-base").put("iam", "ENABLED")))));
  }

  public Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    tasks.values().forEach(t -> closing.add(t.closeAgent()));
    closing.add(server == null ? Future.succeededFuture() : server.close());
    return Future.join(closing).mapEmpty();
  }

  private static final class ClientError extends RuntimeException {
    final String type;

    ClientError(String type, String message) {
      super(message, null, false, false);
      this.type = type;
    }
  }
}
