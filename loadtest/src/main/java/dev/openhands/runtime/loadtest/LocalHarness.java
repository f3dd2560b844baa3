package dev.openhands.runtime.loadtest;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.ServiceProcess;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What a load simulation runs against locally, all on loopback addresses: DynamoDB Local with the registry,
 * a {@link SandboxFarm} of {@code sandboxes} sandboxes registered as running, an app server (the gateway's
 * {@code APP_UPSTREAM}, answering like a sandbox), and the gateway jar as a child process, the way it runs in
 * production. {@link #close} stops them all.
 */
public final class LocalHarness implements AutoCloseable {

  public static final String SECRET = "harness-origin-secret-0123456789";
  /** The main host: requests for it that are not runtime paths go to the app upstream. */
  public static final String MAIN_HOST = "openhands.localhost";

  private final DynamoDbLocal dynamo;
  private final Vertx vertx;
  private final ServiceProcess gateway;
  private final int sandboxPort;
  private final int sandboxes;

  private LocalHarness(DynamoDbLocal dynamo, Vertx vertx, ServiceProcess gateway, int sandboxPort, int sandboxes) {
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
    int appPort = DynamoDbLocal.freePort();
    Future.all(SandboxFarm.listen(vertx, sandboxPort, sandboxes), SandboxFarm.serve(vertx, "127.0.0.1", appPort))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    Map<String, String> env = Map.of(
        "GATEWAY_PORT", Integer.toString(DynamoDbLocal.freePort()),
        "ADMIN_PORT", Integer.toString(DynamoDbLocal.freePort()),
        "BIND_ADDRESS", "127.0.0.1",
        "SANDBOX_TABLE", LocalRegistry.TABLE,
        "DYNAMODB_ENDPOINT", dynamo.endpoint().toString(),
        "ORIGIN_VERIFY_SECRET", SECRET,
        "APP_UPSTREAM", "http://127.0.0.1:" + appPort,
        "RUNTIME_AUTH", "none");
    ServiceProcess gateway = ServiceProcess.start(
        List.of(ServiceProcess.java(), "-XX:+UseParallelGC", "-Xmx512m", "-jar", gatewayJar.toString()), env);
    LocalHarness harness = new LocalHarness(dynamo, vertx, gateway, sandboxPort, sandboxes);
    harness.warmUp(Duration.ofSeconds(3));
    return harness;
  }

  /** Body sizes the warm-up asks the sandboxes for, in turn. */
  private static final int[] WARM_UP_SIZES = {2, 4096, 65536, 1_048_576};

  /**
   * Sends requests of mixed sizes through the gateway for {@code duration}, so that a short run measures the
   * gateway rather than its JIT compiler (production tasks are warm after their first seconds of traffic).
   */
  private void warmUp(Duration duration) throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + duration.toNanos();
    ExecutorService workers = Executors.newFixedThreadPool(8);
    for (int w = 0; w < 8; w++) {
      int worker = w;
      workers.execute(() -> {
        for (int i = 0; System.nanoTime() < deadline; i++) {
          int bytes = WARM_UP_SIZES[i % WARM_UP_SIZES.length];
          URI uri = URI.create("http://127.0.0.1:" + gatewayPort() + "/runtime/"
              + SandboxFarm.conversation((worker + i) % sandboxes) + "/" + sandboxPort + "/bytes/" + bytes);
          try {
            client.send(HttpRequest.newBuilder(uri).header("X-Origin-Verify", SECRET).build(),
                HttpResponse.BodyHandlers.discarding());
          } catch (IOException e) {
            return;
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      });
    }
    workers.shutdown();
    workers.awaitTermination(duration.toSeconds() + 10, TimeUnit.SECONDS);
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
