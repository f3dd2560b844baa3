package dev.openhands.runtime.gateway.proxy;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Row 19: one sandbox at its limit gets 429 at once; others are unaffected; slots come back. */
@Timeout(60)
class SandboxAdmissionTest {

  static final String BUSY = "0123456789abcdef0123456789abcdef";
  static final String OTHER = "fedcba9876543210fedcba9876543210";

  @Test
  void unit_refusalChangesNothing_releaseFreesASlot() {
    SandboxAdmission admission = new SandboxAdmission(2);
    assertTrue(admission.tryAcquire("a"));
    assertTrue(admission.tryAcquire("a"));
    assertFalse(admission.tryAcquire("a"));
    assertFalse(admission.tryAcquire("a"));
    assertTrue(admission.tryAcquire("b"));
    assertEquals(2, admission.active("a"));
    admission.release("a");
    assertTrue(admission.tryAcquire("a"));
    admission.release("a");
    admission.release("a");
    admission.release("b");
    assertEquals(0, admission.active("a"));
    assertEquals(2, admission.refused());
  }

  @Test
  void row19_excessGets429WithRetryAfter_otherSandboxesUnaffected() throws Exception {
    try (DynamoDbLocal dynamo = DynamoDbLocal.start()) {
      RegistryTable table = new RegistryTable(dynamo.client(), "sandboxes-admission").create();
      table.putRunning(BUSY, "");
      table.putRunning(OTHER, "");
      Vertx vertx = Vertx.vertx();
      try (GatewayUnderTest gateway = GatewayUnderTest.start(dynamo, table.name(),
          Map.of("SANDBOX_MAX_CONNECTIONS", "4"))) {
        RecordingSandbox sandbox = await(new RecordingSandbox(vertx).start(0));
        TestClient client = new TestClient(vertx, gateway.port());
        HttpClient parallel = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(8));
        String busy = sandbox.port() + "-" + BUSY + ".runtime.openhands.example.com";
        String other = sandbox.port() + "-" + OTHER + ".runtime.openhands.example.com";

        WebSocket socket = await(client.onContext(() -> client.webSocket().connect(new WebSocketConnectOptions()
            .setHost("127.0.0.1").setPort(gateway.port()).setURI("/ws").setHeaders(viaCdn(busy)))));
        List<Future<Integer>> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          slow.add(client.onContext(() -> parallel.request(new RequestOptions().setMethod(HttpMethod.GET)
                  .setHost("127.0.0.1").setPort(gateway.port()).setURI("/slow?ms=1500").setHeaders(viaCdn(busy)))
              .compose(req -> req.send()).compose(resp -> resp.body().map(b -> resp.statusCode()))));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (gateway.gateway().admission().active(BUSY) < 4 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertEquals(4, gateway.gateway().admission().active(BUSY));

        TestClient.Response refused = client.get("/", viaCdn(busy));
        assertEquals(429, refused.status());
        assertEquals("1", refused.header("Retry-After"));
        assertEquals("SAMEORIGIN", refused.header("X-Frame-Options"));
        assertEquals(200, client.get("/", viaCdn(other)).status());

        for (Future<Integer> response : slow) {
          assertEquals(200, await(response));
        }
        await(socket.close());
        deadline = System.nanoTime() + 5_000_000_000L;
        while (gateway.gateway().admission().active(BUSY) > 0 && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertEquals(0, gateway.gateway().admission().active(BUSY));
        assertEquals(200, client.get("/", viaCdn(busy)).status());
      } finally {
        await(vertx.close());
      }
    }
  }
}
