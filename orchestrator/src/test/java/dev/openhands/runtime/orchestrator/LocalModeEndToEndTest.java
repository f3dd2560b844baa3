package dev.openhands.runtime.orchestrator;

import static dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.Poll;
import dev.openhands.runtime.gateway.testkit.TestClient;
import dev.openhands.runtime.orchestrator.demo.DemoSandbox;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import dev.openhands.runtime.orchestrator.testkit.OrchestratorFixture;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Local mode end to end: the orchestrator with the {@code local} provider (the bundled demo sandbox, one process per
 * sandbox on its own loopback address), the gateway, and DynamoDB Local. {@code /start}, then the demo page and its
 * WebSocket through the gateway; {@code /pause} and the gateway answers 409; {@code /resume} and it is back.
 */
@Timeout(120)
class LocalModeEndToEndTest {

  static final String ID = "de000000000000000000000000000001";
  static OrchestratorFixture fixture;
  static ApiClient api;
  static GatewayUnderTest gateway;
  static TestClient browser;

  @BeforeAll
  static void start() throws Exception {
    fixture = OrchestratorFixture.start("local-mode");
    Orchestrator orchestrator = fixture.localOrchestrator();
    api = fixture.client(orchestrator);
    gateway = GatewayUnderTest.start(fixture.dynamo(), fixture.table().name(),
        Map.of("ORIGIN_VERIFY", "disabled", "RUNTIME_AUTH", "none"));
    browser = new TestClient(fixture.vertx(), gateway.port());
  }

  @AfterAll
  static void stop() throws Exception {
    if (api != null) {
      api.call("/stop", ID);
    }
    if (gateway != null) {
      gateway.close();
    }
    fixture.close();
  }

  static MultiMap host() {
    return HttpHeaders.headers().set("Host", DemoSandbox.APP_PORT + "-" + ID + ".runtime.localhost")
        .set("Accept", "application/json");
  }

  @Test
  void startPageAndWebSocketThroughTheGateway_pauseThenResume() throws Exception {
    ApiClient.Answer started = api.start(ID, new io.vertx.core.json.JsonObject().put("USER_ID", "demo-user"));
    assertEquals(200, started.status(), started.body());
    api.awaitStatus(ID, "running");
    String url = api.get("/sessions/" + ID).json().getString("url");
    assertTrue(url.matches("http://127\\.0\\.0\\.\\d+:" + fixture.agentPort()), url);

    TestClient.Response page = browser.get("/", host().set("Accept", "text/html"));
    assertEquals(200, page.status());
    assertTrue(page.body().contains("Demo sandbox"), page.body());
    TestClient.Response hello = browser.get("/runtime/" + ID + "/" + DemoSandbox.APP_PORT + "/api/hello",
        HttpHeaders.headers().set("Host", "localhost"));
    assertEquals(200, hello.status(), hello.body());
    assertTrue(hello.body().contains(ID));
    assertEquals("echo: hi", echo("hi"));

    assertEquals(200, api.call("/pause", ID).status());
    TestClient.Response paused = browser.get("/", host());
    assertEquals(409, paused.status(), "the task is gone: the gateway re-reads the route (row 9) and finds it paused");
    assertTrue(paused.body().contains("paused"), paused.body());

    assertEquals(200, api.call("/resume", ID).status());
    api.awaitStatus(ID, "running");
    // The gateway remembers "paused" for ROUTE_NEGATIVE_TTL (2 s), then reads the new address.
    int status = Poll.until(Duration.ofSeconds(6), () -> browser.get("/api/hello", host()).status(), s -> s == 200,
        s -> "status " + s);
    assertEquals(200, status);
    assertEquals("echo: again", echo("again"));

    assertEquals(200, api.call("/stop", ID).status());
    assertFalse(browser.get("/", host()).status() == 200);
  }

  static String echo(String text) throws Exception {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port())
        .setURI("/ws").addHeader("Host", DemoSandbox.APP_PORT + "-" + ID + ".runtime.localhost");
    WebSocket socket = await(browser.onContext(() -> browser.webSocket().connect(options)));
    Promise<String> reply = Promise.promise();
    socket.textMessageHandler(reply::tryComplete);
    socket.writeTextMessage(text);
    String answer = await(reply.future());
    await(socket.close());
    return answer;
  }
}
