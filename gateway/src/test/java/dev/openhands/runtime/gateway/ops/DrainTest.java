package dev.openhands.runtime.gateway.ops;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.ServiceProcess;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Row 18, against the gateway in its own process: SIGTERM under load turns /health to 503 at once, keeps
 * serving for DRAIN_DELAY, lets requests in flight finish, closes WebSockets with 1001 when the delay
 * ends, and exits with 0 within DRAIN_TIMEOUT.
 */
@Timeout(120)
class DrainTest {

  static final String CONV = "0123456789abcdef0123456789abcdef";

  /** One request of the load, with when it started relative to the signal. */
  record Outcome(long startedNanos, boolean ok, String detail) {}

  @Test
  void row18_sigtermUnderLoad_noRequestStartedBeforeTheSignalFails() throws Exception {
    try (DynamoDbLocal dynamo = DynamoDbLocal.start()) {
      RegistryTable table = new RegistryTable(dynamo.client(), "sandboxes-drain").create();
      table.putRunning(CONV, "");
      Vertx vertx = Vertx.vertx();
      try {
        RecordingSandbox sandbox = await(new RecordingSandbox(vertx).start(0));
        int port = DynamoDbLocal.freePort();
        Map<String, String> env = Map.of(
            "BIND_ADDRESS", "127.0.0.1", "GATEWAY_PORT", Integer.toString(port),
            "ADMIN_PORT", Integer.toString(DynamoDbLocal.freePort()), "SANDBOX_TABLE", table.name(),
            "DYNAMODB_ENDPOINT", dynamo.endpoint().toString(), "ORIGIN_VERIFY_SECRET", GatewayUnderTest.SECRET,
            "RUNTIME_AUTH", "none", "DRAIN_DELAY", "1500ms", "DRAIN_TIMEOUT", "6s");
        try (ServiceProcess gateway = ServiceProcess.start(env, List.of("-Xmx256m"))) {
          runDrain(vertx, sandbox, gateway);
        }
      } finally {
        await(vertx.close());
      }
    }
  }

  private void runDrain(Vertx vertx, RecordingSandbox sandbox, ServiceProcess gateway) throws Exception {
    String host = sandbox.port() + "-" + CONV + ".runtime.openhands.example.com";
    TestClient client = new TestClient(vertx, gateway.port());
    WebSocket socket = await(client.onContext(() -> client.webSocket().connect(new WebSocketConnectOptions()
        .setHost("127.0.0.1").setPort(gateway.port()).setURI("/ws").setHeaders(viaCdn(host)))));
    Promise<Short> closeCode = Promise.promise();
    socket.closeHandler(v -> closeCode.tryComplete(socket.closeStatusCode()));

    io.vertx.core.http.HttpClient load = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new io.vertx.core.http.PoolOptions().setHttp1MaxSize(16));
    List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    AtomicBoolean running = new AtomicBoolean(true);
    for (int i = 0; i < 16; i++) {
      client.onContext(() -> loop(load, gateway.port(), host, outcomes, running));
    }
    Thread.sleep(2000);

    long signal = System.nanoTime();
    gateway.terminate();
    // The JVM handles the signal on its own thread; /health must turn within moments of it.
    int healthAfterSignal = gateway.health();
    while (healthAfterSignal == 200 && System.nanoTime() - signal < 500_000_000L) {
      Thread.sleep(5);
      healthAfterSignal = gateway.health();
    }
    long unhealthyAfterMs = (System.nanoTime() - signal) / 1_000_000;
    Thread.sleep(700);
    int duringDelay = await(client.onContext(() -> request(load, gateway.port(), host, "/during-delay")));
    short code = await(closeCode.future());
    long closedAfterMs = (System.nanoTime() - signal) / 1_000_000;
    int exit = gateway.awaitExit(Duration.ofSeconds(8));
    long exitedAfterMs = (System.nanoTime() - signal) / 1_000_000;
    running.set(false);

    assertEquals(503, healthAfterSignal, "/health within 500 ms of SIGTERM");
    assertEquals(200, duringDelay, "a new request during DRAIN_DELAY");
    assertEquals((short) 1001, code);
    assertTrue(closedAfterMs >= 1400, "WebSocket closed " + closedAfterMs + " ms after the signal, before the delay");
    assertEquals(0, exit, gateway.output());
    assertTrue(exitedAfterMs < 6500, "exited " + exitedAfterMs + " ms after the signal");
    List<Outcome> before = outcomes.stream().filter(o -> o.startedNanos() < signal).toList();
    List<Outcome> failedBefore = before.stream().filter(o -> !o.ok()).toList();
    assertTrue(before.size() > 50, "load before the signal: " + before.size());
    assertEquals(List.of(), failedBefore, "requests started before SIGTERM that failed");
    System.out.printf("drain: /health 503 at %d ms; %d requests started before SIGTERM, %d failed; %d after;"
        + " WebSocket closed at %d ms; exit %d at %d ms%n", unhealthyAfterMs, before.size(), failedBefore.size(),
        outcomes.size() - before.size(), closedAfterMs, exit, exitedAfterMs);
  }

  private static Future<Void> loop(io.vertx.core.http.HttpClient load, int port, String host, List<Outcome> outcomes,
      AtomicBoolean running) {
    if (!running.get()) {
      return Future.succeededFuture();
    }
    long started = System.nanoTime();
    return request(load, port, host, "/slow?ms=300")
        .transform(ar -> {
          outcomes.add(new Outcome(started, ar.succeeded() && ar.result() == 200,
              ar.succeeded() ? "status " + ar.result() : ar.cause().toString()));
          return loop(load, port, host, outcomes, running);
        });
  }

  private static Future<Integer> request(io.vertx.core.http.HttpClient load, int port, String host, String uri) {
    return load.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
            .setURI(uri).setHeaders(viaCdn(host)))
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> resp.statusCode()));
  }
}
