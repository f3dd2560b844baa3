package dev.openhands.runtime.gateway.chain;

import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.TestClient;
import dev.openhands.runtime.gateway.testkit.TestClient.Response;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's own answers on a runtime address carry row 12's headers whatever step refused the request (the
 * origin check included, which once answered without them), and its answers on the main host carry none.
 */
@Timeout(60)
class OwnAnswersTest {

  static final String RUNNING = "0123456789abcdef0123456789abcdef";
  static final String OWNED = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  static final String STOPPED = "fedcba9876543210fedcba9876543210";
  static final String UNKNOWN = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

  static GatewayFixture fixture;
  static TestClient client;
  static int closedPort;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-own-answers");
    closedPort = DynamoDbLocal.freePort();
    fixture.table().putRunning(RUNNING, "");
    fixture.table().put(OWNED, "RUNNING", "127.0.0.1", "user-a");
    fixture.table().put(STOPPED, "STOPPED", null, "user-a");
    client = fixture.client(fixture.gateway(Map.of("RUNTIME_AUTH", "owner")));
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static String host(int port, String conv) {
    return port + "-" + conv + ".runtime.openhands.example.com";
  }

  @Test
  void everyRefusalOnARuntimeAddress_carriesTheSecurityHeaders() throws Exception {
    MultiMap signedInA = viaCdn(host(closedPort, RUNNING)).set("X-Cognito-User-Id", "user-a");
    Map<Integer, MultiMap> refusals = Map.of(
        403, HttpHeaders.headers().set("Host", host(closedPort, RUNNING)),
        400, viaCdn(closedPort + "-0123.runtime.openhands.example.com"),
        404, viaCdn(host(closedPort, UNKNOWN)).set("X-Cognito-User-Id", "user-a"),
        409, viaCdn(host(closedPort, STOPPED)).set("X-Cognito-User-Id", "user-a"),
        502, signedInA);
    for (Map.Entry<Integer, MultiMap> refusal : refusals.entrySet()) {
      Response r = client.get("/", refusal.getValue());
      assertEquals(refusal.getKey(), r.status(), r.body());
      assertSecurityHeaders(r, "status " + r.status());
    }
    Response stranger = client.get("/", viaCdn(host(closedPort, OWNED)).set("X-Cognito-User-Id", "user-b"));
    assertEquals(403, stranger.status());
    assertSecurityHeaders(stranger, "another user's sandbox");
  }

  @Test
  void answersOnTheMainHost_carryNone() throws Exception {
    Response refused = client.get("/", HttpHeaders.headers().set("Host", "openhands.example.com"));
    Response notFound = client.get("/anything", viaCdn("openhands.example.com"));
    assertEquals(403, refused.status());
    assertEquals(404, notFound.status());
    assertNull(refused.header("X-Frame-Options"));
    assertNull(notFound.header("X-Frame-Options"));
  }

  private static void assertSecurityHeaders(Response r, String what) {
    assertEquals("SAMEORIGIN", r.header("X-Frame-Options"), what);
    assertEquals("nosniff", r.header("X-Content-Type-Options"), what);
    assertEquals("strict-origin-when-cross-origin", r.header("Referrer-Policy"), what);
    assertEquals("frame-ancestors 'self'", r.header("Content-Security-Policy"), what);
  }
}
