package dev.openhands.runtime.gateway;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.internal.http.WebSocketInternal;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Row 10 at the edges of the relay's life: a frame the sandbox sends with its 101, pings, and either peer vanishing
 * without a close handshake.
 */
@Timeout(60)
class WebSocketRelayEdgeTest {

  static final String CONV = "0123456789abcdef0123456789abcd02";

  static GatewayFixture fixture;
  static HttpServer sandbox;
  static TestClient client;
  /** Completed when the sandbox's socket that was sent "ready" closes. */
  static final CompletableFuture<Void> readySocketClosed = new CompletableFuture<>();

  /** {@code /greet} sends a frame at once after its 101; {@code /drop} drops the connection on the first frame. */
  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-ws-edges");
    sandbox = await(fixture.vertx().createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .webSocketHandler(WebSocketRelayEdgeTest::sandboxSocket)
        .listen());
    fixture.table().putRunning(CONV, "");
    client = fixture.client(fixture.gateway(Map.of()));
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  private static void sandboxSocket(ServerWebSocket ws) {
    if (ws.path().equals("/greet")) {
      ws.writeTextMessage("hello from the sandbox");
    }
    ws.textMessageHandler(text -> {
      if (text.equals("ready")) {
        ws.closeHandler(v -> readySocketClosed.complete(null));
      }
      if (ws.path().equals("/drop")) {
        ((WebSocketInternal) ws).channelHandlerContext().channel().close();
      } else {
        ws.writeTextMessage(text);
      }
    });
  }

  WebSocket connect(String path, CompletableFuture<String> firstText) throws Exception {
    String host = sandbox.actualPort() + "-" + CONV + ".runtime.openhands.example.com";
    return await(client.onContext(() -> client.webSocket()
        .connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(client.port()).setURI(path)
            .setHeaders(viaCdn(host)))
        .onSuccess(ws -> ws.textMessageHandler(firstText::complete))));
  }

  @Test
  void row10_aFrameSentWithTheUpgradeReachesTheClient() throws Exception {
    CompletableFuture<String> greeting = new CompletableFuture<>();
    WebSocket ws = connect("/greet", greeting);
    assertEquals("hello from the sandbox", greeting.get(5, TimeUnit.SECONDS));
    await(ws.close());
  }

  @Test
  void row10_pingsAreAnsweredAndDataStillFlows() throws Exception {
    CompletableFuture<String> echo = new CompletableFuture<>();
    WebSocket ws = connect("/echo", echo);
    CompletableFuture<Buffer> pong = new CompletableFuture<>();
    ws.pongHandler(pong::complete);
    await(ws.writePing(Buffer.buffer("are you there")));
    assertEquals("are you there", pong.get(5, TimeUnit.SECONDS).toString());
    ws.writeTextMessage("after the ping");
    assertEquals("after the ping", echo.get(5, TimeUnit.SECONDS));
    await(ws.close());
  }

  @Test
  void row10_aSandboxThatVanishesClosesTheClientsSocket() throws Exception {
    WebSocket ws = connect("/drop", new CompletableFuture<>());
    CompletableFuture<Short> closed = new CompletableFuture<>();
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
    ws.writeTextMessage("goodbye");
    Short code = closed.get(10, TimeUnit.SECONDS);
    assertNotEquals((short) 1006, code, "the gateway closed the client's socket without a close frame");
  }

  @Test
  void row10_aClientThatVanishesClosesTheSandboxsSocket() throws Exception {
    CompletableFuture<String> echo = new CompletableFuture<>();
    WebSocket ws = connect("/echo", echo);
    ws.writeTextMessage("ready");
    assertEquals("ready", echo.get(5, TimeUnit.SECONDS));
    ((WebSocketInternal) ws).channelHandlerContext().channel().close();
    // Fails with a timeout when the sandbox's socket stays open after the client vanished.
    readySocketClosed.get(10, TimeUnit.SECONDS);
  }
}
