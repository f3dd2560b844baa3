package dev.openhands.runtime.loadtest;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What a load simulation runs against locally, all on loopback addresses: DynamoDB Local with the registry,
 * {@code sandboxes} sandboxes (sandbox {@code i} on {@code 127.0.0.(i+2)}, one port: pages of any size at
 * {@code /bytes/{n}}, WebSocket echo) registered as running, and the gateway jar as a child process, the way
 * it runs in production. {@link #close} stops all three.
 */
public final class LocalHarness implements AutoCloseable {

  public static final String SECRET = "harness-origin-secret-0123456789";

  private final DynamoDbLocal dynamo;
  private final Vertx vertx;
  private final Process gateway;
  private final int gatewayPort;
  private final int sandboxPort;
  private final int sandboxes;

  private LocalHarness(DynamoDbLocal dynamo, Vertx vertx, Process gateway, int gatewayPort, int sandboxPort,
      int sandboxes) {
    this.dynamo = dynamo;
    this.vertx = vertx;
    this.gateway = gateway;
    this.gatewayPort = gatewayPort;
    this.sandboxPort = sandboxPort;
    this.sandboxes = sandboxes;
  }

  /** Starts everything; {@code gatewayJar} is {@code gateway/target/gateway.jar}. */
  public static LocalHarness start(int sandboxes, Path gatewayJar) throws Exception {
    System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    DynamoDbLocal dynamo = DynamoDbLocal.start();
    RegistryTable table = new RegistryTable(dynamo.client(), LocalRegistry.TABLE).create();
    for (int i = 0; i < sandboxes; i++) {
      table.put(SandboxFarm.conversation(i), "RUNNING", SandboxFarm.address(i), "");
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    int sandboxPort = DynamoDbLocal.freePort();
    List<Future<HttpServer>> listening = new ArrayList<>();
    for (int i = 0; i < sandboxes; i++) {
      listening.add(vertx.createHttpServer(new HttpServerOptions().setHost(SandboxFarm.address(i)).setPort(sandboxPort))
          .webSocketHandler(ws -> ws.frameHandler(frame -> {
            if (frame.isText() || frame.isBinary() || frame.isContinuation()) {
              ws.writeFrame(frame);
            }
          }))
          .requestHandler(request -> {
            int size = request.path().startsWith("/bytes/") ? Integer.parseInt(request.path().substring(7)) : 512;
            request.response().putHeader("Content-Type", "application/octet-stream")
                .end(Buffer.buffer(new byte[Math.min(size, 4 * 1024 * 1024)]));
          })
          .listen());
    }
    Future.all(listening).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    int gatewayPort = DynamoDbLocal.freePort();
    Process gateway = startGateway(gatewayJar, gatewayPort, dynamo, sandboxes);
    LocalHarness harness = new LocalHarness(dynamo, vertx, gateway, gatewayPort, sandboxPort, sandboxes);
    harness.awaitHealthy();
    return harness;
  }

  private static Process startGateway(Path jar, int port, DynamoDbLocal dynamo, int sandboxes) throws IOException {
    Path log = Files.createTempFile("harness-gateway-", ".log");
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseParallelGC", "-Xmx512m", "-jar", jar.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("GATEWAY_PORT", Integer.toString(port));
    builder.environment().put("ADMIN_PORT", Integer.toString(DynamoDbLocal.freePort()));
    builder.environment().put("BIND_ADDRESS", "127.0.0.1");
    builder.environment().put("SANDBOX_TABLE", LocalRegistry.TABLE);
    builder.environment().put("DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
    builder.environment().put("ORIGIN_VERIFY_SECRET", SECRET);
    builder.environment().put("RUNTIME_AUTH", "none");
    return builder.start();
  }

  private void awaitHealthy() throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!gateway.isAlive()) {
        throw new IllegalStateException("gateway exited with " + gateway.exitValue());
      }
      try {
        if (client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + "/health")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("gateway not healthy within 30 s");
  }

  public int gatewayPort() {
    return gatewayPort;
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
    gateway.destroy();
    if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
      gateway.destroyForcibly();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    dynamo.close();
  }
}
