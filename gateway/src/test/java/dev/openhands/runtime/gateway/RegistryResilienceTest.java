package dev.openhands.runtime.gateway;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import dev.openhands.runtime.gateway.testkit.TestClient;
import dev.openhands.runtime.gateway.testkit.TestClient.Response;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Rows 6 and 9: the registry goes away, and a task moves to a new address. */
@Timeout(90)
class RegistryResilienceTest {

  static final String WARM = "0123456789abcdef0123456789abcdef";
  static final String COLD = "11111111111111111111111111111111";
  static final String LATER = "22222222222222222222222222222222";

  DynamoDbLocal dynamo;
  RegistryTable table;
  Vertx vertx;
  GatewayUnderTest gateway;
  TestClient client;

  @BeforeEach
  void start() throws Exception {
    dynamo = DynamoDbLocal.start();
    table = new RegistryTable(dynamo.client(), "sandboxes-resilience").create();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    await(vertx.close());
    dynamo.close();
  }

  void startGateway(Map<String, String> env) throws Exception {
    gateway = GatewayUnderTest.start(dynamo, table.name(), env);
    client = new TestClient(vertx, gateway.port());
  }

  static String host(int port, String conv) {
    return port + "-" + conv + ".runtime.openhands.example.com";
  }

  @Test
  void row06_registryDown_warmRoutesKeepServing_newOnesGet503_thenRecover() throws Exception {
    RecordingSandbox sandbox = await(new RecordingSandbox(vertx).start(0));
    table.putRunning(WARM, "");
    startGateway(Map.of("ROUTE_REFRESH", "200ms", "REGISTRY_TIMEOUT", "500ms"));
    assertEquals(200, client.get("/", viaCdn(host(sandbox.port(), WARM))).status());

    int port = dynamo.port();
    dynamo.close();
    long deadline = System.nanoTime() + 3_000_000_000L;
    int served = 0;
    while (System.nanoTime() < deadline) {
      // Past ROUTE_REFRESH the cache re-reads in the background, fails, and keeps the old route.
      assertEquals(200, client.get("/", viaCdn(host(sandbox.port(), WARM))).status());
      served++;
    }
    assertTrue(served > 10, "served " + served);
    Response cold = client.get("/", viaCdn(host(sandbox.port(), COLD)).set("Accept", "application/json"));
    assertEquals(503, cold.status());
    assertTrue(cold.body().contains("registry"), cold.body());

    dynamo = DynamoDbLocal.start(port);
    table = new RegistryTable(dynamo.client(), table.name()).create();
    table.putRunning(LATER, "");
    assertEquals(200, client.get("/", viaCdn(host(sandbox.port(), LATER))).status());
  }

  @Test
  void row09_taskMoved_concurrentRequestsFollowItWithoutErrors() throws Exception {
    int port = DynamoDbLocal.freePort();
    RecordingSandbox before = await(new RecordingSandbox(vertx).start("127.0.0.1", port));
    table.put(WARM, "RUNNING", "127.0.0.1", "");
    startGateway(Map.of("ROUTE_REFRESH", "1h", "ROUTE_MAX_STALE", "2h"));
    assertEquals("sandbox " + port + " GET /", client.get("/", viaCdn(host(port, WARM))).body());

    await(before.stop());
    RecordingSandbox after = await(new RecordingSandbox(vertx).start("127.0.0.2", port));
    table.put(WARM, "RUNNING", "127.0.0.2", "");

    List<Future<Integer>> responses = new ArrayList<>();
    for (int n = 0; n < 20; n++) {
      int i = n;
      responses.add(client.onContext(() -> client.http().request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
              .setPort(gateway.port()).setURI("/moved/" + i).setHeaders(viaCdn(host(port, WARM))))
          .compose(req -> req.send())
          .compose(resp -> resp.body().map(b -> resp.statusCode()))));
    }
    for (Future<Integer> response : responses) {
      assertEquals(200, await(response));
    }
    assertTrue(after.next().uri().startsWith("/moved/"));
  }

  @Test
  void row09_taskGoneForGood_is502AfterOneReRead() throws Exception {
    int port = DynamoDbLocal.freePort();
    table.put(WARM, "RUNNING", "127.0.0.1", "");
    startGateway(Map.of());
    assertEquals(502, client.get("/", viaCdn(host(port, WARM))).status());
  }
}
