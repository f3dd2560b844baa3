package dev.openhands.runtime.loadtest;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.GatewayProcess;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a load simulation runs against locally, all on loopback addresses: DynamoDB Local with the registry,
 * a {@link SandboxFarm} of {@code sandboxes} sandboxes registered as running, and the gateway jar as a child
 * process, the way it runs in production. {@link #close} stops all three.
 */
public final class LocalHarness implements AutoCloseable {

  public static final String SECRET = "harness-origin-secret-0123456789";

  private final DynamoDbLocal dynamo;
  private final Vertx vertx;
  private final GatewayProcess gateway;
  private final int sandboxPort;
  private final int sandboxes;

  private LocalHarness(DynamoDbLocal dynamo, Vertx vertx, GatewayProcess gateway, int sandboxPort, int sandboxes) {
    this.dynamo = dynamo;
    this.vertx = vertx;
    this.gateway = gateway;
    this.sandboxPort = sandboxPort;
    this.sandboxes = sandboxes;
  }

  /** Starts everything; {@code gatewayJar} is {@code gateway/target/gateway.jar}. */
  public static LocalHarness start(int sandboxes, Path gatewayJar) throws Exception {
    System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    DynamoDbLocal dynamo = DynamoDbLocal.start();
    LocalRegistry.register(new RegistryTable(dynamo.client(), LocalRegistry.TABLE).create(), sandboxes);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    int sandboxPort = DynamoDbLocal.freePort();
    SandboxFarm.listen(vertx, sandboxPort, sandboxes).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    Map<String, String> env = Map.of(
        "GATEWAY_PORT", Integer.toString(DynamoDbLocal.freePort()),
        "ADMIN_PORT", Integer.toString(DynamoDbLocal.freePort()),
        "BIND_ADDRESS", "127.0.0.1",
        "SANDBOX_TABLE", LocalRegistry.TABLE,
        "DYNAMODB_ENDPOINT", dynamo.endpoint().toString(),
        "ORIGIN_VERIFY_SECRET", SECRET,
        "RUNTIME_AUTH", "none");
    GatewayProcess gateway = GatewayProcess.start(
        List.of(GatewayProcess.java(), "-XX:+UseParallelGC", "-Xmx512m", "-jar", gatewayJar.toString()), env);
    return new LocalHarness(dynamo, vertx, gateway, sandboxPort, sandboxes);
  }

  public int gatewayPort() {
    return gateway.port();
  }

  public int sandboxPort() {
    return sandboxPort;
  }

  public int sandboxes() {
    return sandboxes;
  }

  /** The runtime host of sandbox {@code index}'s app. */
  public String runtimeHost(int index) {
    return sandboxPort + "-" + SandboxFarm.conversation(index) + ".runtime.localhost";
  }

  @Override
  public void close() throws Exception {
    gateway.terminate();
    gateway.awaitExit(Duration.ofSeconds(30));
    gateway.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    dynamo.close();
  }
}
