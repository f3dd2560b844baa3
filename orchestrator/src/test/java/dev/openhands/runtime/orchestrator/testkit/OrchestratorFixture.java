package dev.openhands.runtime.orchestrator.testkit;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import dev.openhands.runtime.orchestrator.Orchestrator;
import dev.openhands.runtime.orchestrator.config.OrchestratorConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What orchestrator tests stand on: DynamoDB Local with the registry table, the ECS and EFS stand-ins, and
 * orchestrators in this JVM pointed at them with the real SDK clients. {@link #close} stops everything it started.
 */
public final class OrchestratorFixture implements AutoCloseable {

  public static final String API_KEY = "test-orchestrator-key-0123456789";
  public static final Orchestrator.Tuning FAST = new Orchestrator.Tuning(Duration.ofSeconds(3), Duration.ofMillis(50));

  private final DynamoDbLocal dynamo;
  private final RegistryTable table;
  private final Vertx vertx;
  private final EcsStandIn ecs;
  private final EfsStandIn efs;
  private final int agentPort;
  private final List<Orchestrator> started = new ArrayList<>();

  private OrchestratorFixture(DynamoDbLocal dynamo, RegistryTable table, Vertx vertx, EcsStandIn ecs, EfsStandIn efs,
      int agentPort) {
    this.dynamo = dynamo;
    this.table = table;
    this.vertx = vertx;
    this.ecs = ecs;
    this.efs = efs;
    this.agentPort = agentPort;
  }

  public static OrchestratorFixture start(String tableName) throws Exception {
    System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    DynamoDbLocal dynamo = DynamoDbLocal.start();
    RegistryTable table = new RegistryTable(dynamo.client(), tableName).create();
    Vertx vertx = Vertx.vertx();
    int agentPort = DynamoDbLocal.freePort();
    EcsStandIn ecs = await(new EcsStandIn(vertx, agentPort).start());
    EfsStandIn efs = await(new EfsStandIn(vertx).start());
    return new OrchestratorFixture(dynamo, table, vertx, ecs, efs, agentPort);
  }

  /** The environment of an orchestrator on the stand-ins, before overrides. */
  public Map<String, String> environment() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("BIND_ADDRESS", "127.0.0.1");
    env.put("ORCHESTRATOR_PORT", Integer.toString(DynamoDbLocal.freePort()));
    env.put("ADMIN_PORT", Integer.toString(DynamoDbLocal.freePort()));
    env.put("ORCHESTRATOR_API_KEYS", API_KEY);
    env.put("SANDBOX_TABLE", table.name());
    env.put("DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
    env.put("SANDBOX_PROVIDER", "ecs");
    env.put("ECS_CLUSTER", EcsStandIn.CLUSTER);
    env.put("SANDBOX_TASK_FAMILY", EcsStandIn.FAMILY);
    env.put("SANDBOX_SUBNETS", "subnet-0123456789abcdef0,subnet-0123456789abcdef1");
    env.put("SANDBOX_SECURITY_GROUPS", "sg-0123456789abcdef0");
    env.put("EFS_FILE_SYSTEM_ID", "fs-0123456789abcdef0");
    env.put("ECS_ENDPOINT", ecs.endpoint().toString());
    env.put("EFS_ENDPOINT", efs.endpoint().toString());
    env.put("AGENT_SERVER_PORT", Integer.toString(agentPort));
    env.put("START_TIMEOUT", "20s");
    env.put("RECONCILE_INTERVAL", "1h");
    return env;
  }

  /** An orchestrator in this JVM with the stand-ins' environment plus {@code overrides}. */
  public Orchestrator orchestrator(Map<String, String> overrides) throws Exception {
    return orchestrator(overrides, FAST);
  }

  /** As {@link #orchestrator(Map)}, with {@code tuning} ({@link Orchestrator.Tuning#DEFAULT} is production's). */
  public Orchestrator orchestrator(Map<String, String> overrides, Orchestrator.Tuning tuning) throws Exception {
    Map<String, String> env = environment();
    env.putAll(overrides);
    Orchestrator orchestrator = await(Orchestrator.start(OrchestratorConfig.fromEnv(env), tuning));
    started.add(orchestrator);
    return orchestrator;
  }

  /** An orchestrator with the {@code local} provider (the bundled demo sandbox), as local mode runs it. */
  public Orchestrator localOrchestrator() throws Exception {
    return orchestrator(Map.of("SANDBOX_PROVIDER", "local", "AGENT_SERVER_PORT", Integer.toString(agentPort),
        "START_TIMEOUT", "60s"));
  }

  public ApiClient client(Orchestrator orchestrator) {
    return new ApiClient(orchestrator.apiPort(), API_KEY);
  }

  public RegistryTable table() {
    return table;
  }

  public DynamoDbLocal dynamo() {
    return dynamo;
  }

  public EcsStandIn ecs() {
    return ecs;
  }

  public EfsStandIn efs() {
    return efs;
  }

  public Vertx vertx() {
    return vertx;
  }

  public int agentPort() {
    return agentPort;
  }

  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        await(started.get(i).stop());
      } catch (Exception e) {
        // keep closing the rest
      }
    }
    await(Future.join(ecs.close(), efs.close()));
    await(vertx.close());
    dynamo.close();
  }
}
