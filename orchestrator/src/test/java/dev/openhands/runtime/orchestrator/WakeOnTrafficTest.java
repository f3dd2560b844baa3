package dev.openhands.runtime.orchestrator;

import static dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.Poll;
import dev.openhands.runtime.gateway.testkit.TestClient;
import dev.openhands.runtime.orchestrator.demo.DemoSandbox;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Row 20 with the real parts: the gateway wakes a paused sandbox through the orchestrator ({@code local} provider,
 * the demo sandbox) on DynamoDB Local. One resume for a burst; the starting answer until the app answers; nobody who
 * may not open the port wakes it; archived is 410; a pending owner lets nobody in; a refused resume is explained.
 */
@Timeout(180)
class WakeOnTrafficTest {

  static final String OWNER = "user-owner";
  static OrchestratorFixture fixture;
  static Orchestrator orchestrator;
  static ApiClient api;
  static GatewayUnderTest gateway;
  static HttpClient burstClient;

  @BeforeAll
  static void start() throws Exception {
    fixture = OrchestratorFixture.start("wake-on-traffic");
    orchestrator = fixture.localOrchestrator();
    api = fixture.client(orchestrator);
    gateway = GatewayUnderTest.start(fixture.dynamo(), fixture.table().name(), Map.of("RUNTIME_AUTH", "owner",
        "ORCHESTRATOR_URL", "http://127.0.0.1:" + orchestrator.apiPort(),
        "ORCHESTRATOR_API_KEY", OrchestratorFixture.API_KEY, "WAKE_COOLDOWN", "30s"));
    burstClient = fixture.vertx().createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(64));
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    fixture.close();
  }

  static String host(String id) {
    return DemoSandbox.APP_PORT + "-" + id + ".runtime.openhands.example.com";
  }

  static MultiMap as(String user, String id) {
    return TestClient.viaCdn(host(id)).set("X-Cognito-User-Id", user).set("Accept", "application/json");
  }

  static TestClient.Response get(MultiMap headers) throws Exception {
    return new TestClient(fixture.vertx(), gateway.port()).get("/api/hello", headers);
  }

  /** A sandbox of {@link #OWNER} that ran once and is paused now. */
  static void pausedSandbox(String id) throws Exception {
    assertEquals(200, api.start(id, new JsonObject().put("USER_ID", OWNER)).status());
    api.awaitStatus(id, "running");
    assertEquals(200, api.call("/pause", id).status());
    api.awaitStatus(id, "paused");
  }

  /** The orchestrator's own count of {@code /resume} calls it answered. */
  static long resumesAnswered() {
    Matcher m = Pattern.compile("orchestrator_api_requests_seconds_count\\{[^}]*route=\"/resume\"[^}]*} (\\d+)")
        .matcher(orchestrator.metrics().scrape());
    long total = 0;
    while (m.find()) {
      total += Long.parseLong(m.group(1));
    }
    return total;
  }

  @Test
  void aBurstToAPausedSandbox_makesOneResume_andTheStartingAnswerTurnsIntoTheApp() throws Exception {
    String id = "5a000000000000000000000000000001";
    pausedSandbox(id);
    long gatewayCallsBefore = gateway.gateway().waker().calls();
    long answeredBefore = resumesAnswered();

    List<Future<Integer>> burst = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      burst.add(burstClient.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
              .setPort(gateway.port()).setURI("/api/hello").setHeaders(as(OWNER, id)))
          .compose(request -> request.send())
          .compose(response -> response.body().map(body -> {
            boolean starting = response.statusCode() == 503 && "starting".equals(response.getHeader("X-Runtime-Status"))
                && "2".equals(response.getHeader("Retry-After")) && body.toString().contains("\"status\":\"starting\"");
            return starting ? 503 : response.statusCode();
          })));
    }
    for (Future<Integer> answer : burst) {
      int status = await(answer);
      assertTrue(status == 503 || status == 200, "a starting answer, or the app once it runs: " + status);
    }
    assertEquals(1, gateway.gateway().waker().calls() - gatewayCallsBefore, "one resume call for the whole burst");

    // What the page's script does: HEAD the same URL until the answer is no longer the starting one.
    TestClient browser = new TestClient(fixture.vertx(), gateway.port());
    TestClient.Response head = Poll.until(Duration.ofSeconds(60),
        () -> browser.send(HttpMethod.HEAD, "/api/hello", as(OWNER, id), null), r -> !starting(r), r -> "still starting");
    assertNull(head.header("X-Runtime-Status"), "the app's own answer");
    TestClient.Response app = get(as(OWNER, id));
    assertEquals(200, app.status(), app.body());
    assertTrue(app.body().contains(id), app.body());
    assertEquals(1, resumesAnswered() - answeredBefore, "the orchestrator answered one resume");
    assertEquals(1, gateway.gateway().waker().calls() - gatewayCallsBefore, "and polling made no other");
    api.call("/stop", id);
  }

  @Test
  void aStrangersRequest_is403_andWakesNothing() throws Exception {
    String id = "5a000000000000000000000000000002";
    pausedSandbox(id);
    long before = gateway.gateway().waker().calls();
    assertEquals(403, get(as("user-stranger", id)).status());
    assertEquals(403, get(TestClient.viaCdn(host(id)).set("Accept", "application/json")).status(),
        "nobody signed in");
    assertEquals(before, gateway.gateway().waker().calls());
    assertEquals("paused", api.get("/sessions/" + id).json().getString("status"));
  }

  @Test
  void archived_is410_andAPendingOwner_letsNobodyIn() throws Exception {
    String archived = "5a000000000000000000000000000003";
    fixture.table().put(archived, "ARCHIVED", null, OWNER);
    String pending = "5a000000000000000000000000000004";
    fixture.table().put(pending, "PAUSED", null, null);
    fixture.table().set(pending, Map.of("owner_pending", AttributeValue.fromBool(true)));
    long before = gateway.gateway().waker().calls();

    TestClient.Response gone = get(as(OWNER, archived));
    assertEquals(410, gone.status(), gone.body());
    assertTrue(gone.body().contains("archived"), gone.body());
    TestClient.Response waiting = get(as(OWNER, pending));
    assertEquals(503, waiting.status());
    assertEquals("starting", waiting.header("X-Runtime-Status"));
    assertEquals(before, gateway.gateway().waker().calls(), "neither is woken");
  }

  @Test
  void aRefusedResume_is503SayingWhy() throws Exception {
    String id = "5a000000000000000000000000000005";
    fixture.table().put(id, "PAUSED", null, OWNER);
    try (GatewayUnderTest wrongKey = GatewayUnderTest.start(fixture.dynamo(), fixture.table().name(),
        Map.of("RUNTIME_AUTH", "owner", "ORCHESTRATOR_URL", "http://127.0.0.1:" + orchestrator.apiPort(),
            "ORCHESTRATOR_API_KEY", "not-the-orchestrators-key-0123"))) {
      TestClient client = new TestClient(fixture.vertx(), wrongKey.port());
      TestClient.Response r = Poll.until(Duration.ofSeconds(20), () -> client.get("/api/hello", as(OWNER, id)),
          answer -> !starting(answer), answer -> "still starting");
      assertEquals(503, r.status());
      assertNull(r.header("X-Runtime-Status"), "not the starting answer: the page stops polling and shows why");
      assertTrue(r.body().contains("could not be woken") && r.body().contains("key was refused"), r.body());
      assertEquals(1, wrongKey.gateway().waker().calls());
    }
  }

  static boolean starting(TestClient.Response r) {
    return "starting".equals(r.header("X-Runtime-Status"));
  }
}
