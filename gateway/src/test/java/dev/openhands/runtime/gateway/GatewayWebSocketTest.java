package dev.openhands.runtime.gateway;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Row 10 (and the WebSocket halves of rows 3, 13 and 15), end to end through real WebSocket peers. */
@Timeout(60)
class GatewayWebSocketTest {

  static final String CONV = "0123456789abcdef0123456789abcdef";

  static GatewayFixture fixture;
  static Vertx vertx;
  static RecordingSandbox sandbox;
  static RecordingSandbox app;
  static HttpServer stalledSandbox;
  static GatewayUnderTest gateway;
  static GatewayUnderTest idleGateway;
  static TestClient client;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-ws");
    vertx = fixture.vertx();
    sandbox = fixture.recording();
    app = fixture.sandbox();
    stalledSandbox = await(vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
            .setMaxWebSocketFrameSize(2 * 1024 * 1024))
        .webSocketHandler(ws -> ws.pause())
        .listen());
    fixture.table().putRunning(CONV, "");
    gateway = fixture.gateway(Map.of("APP_UPSTREAM", "http://127.0.0.1:" + app.port()));
    idleGateway = fixture.gateway(Map.of("WEBSOCKET_IDLE_TIMEOUT", "700ms"));
    client = fixture.client(gateway);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static String host(int port) {
    return port + "-" + CONV + ".runtime.openhands.example.com";
  }

  WebSocketConnectOptions options(TestClient c, String host, String uri) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(c.port()).setURI(uri)
        .setHeaders(viaCdn(host));
  }

  /** Opens a WebSocket and collects the frames it receives. */
  record Opened(WebSocket socket, BlockingQueue<WebSocketFrame> frames, Promise<Void> closed) {
    WebSocketFrame nextFrame() throws InterruptedException {
      WebSocketFrame frame = frames.poll(5, TimeUnit.SECONDS);
      if (frame == null) {
        throw new AssertionError("no frame arrived");
      }
      return frame;
    }
  }

  Opened open(TestClient c, WebSocketConnectOptions options) throws Exception {
    WebSocket ws = await(c.webSocket().connect(options));
    BlockingQueue<WebSocketFrame> frames = new LinkedBlockingQueue<>();
    Promise<Void> closed = Promise.promise();
    ws.frameHandler(f -> {
      if (f.isText() || f.isBinary() || f.isContinuation()) {
        frames.add(f);
      }
    });
    ws.closeHandler(v -> closed.tryComplete());
    return new Opened(ws, frames, closed);
  }

  @Test
  void row10_textAndBinaryFramesEchoInOrderKeepingTheirType() throws Exception {
    Opened ws = open(client, options(client, host(sandbox.port()), "/ws"));
    ws.socket().writeFrame(WebSocketFrame.textFrame("one", true));
    ws.socket().writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(new byte[] {1, 2, 3}), true));
    ws.socket().writeFrame(WebSocketFrame.textFrame("fragment-", false));
    ws.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("end"), true));
    WebSocketFrame first = ws.nextFrame();
    assertTrue(first.isText());
    assertEquals("one", first.textData());
    WebSocketFrame second = ws.nextFrame();
    assertTrue(second.isBinary());
    assertEquals(Buffer.buffer(new byte[] {1, 2, 3}), second.binaryData());
    WebSocketFrame third = ws.nextFrame();
    assertTrue(third.isText());
    assertFalse(third.isFinal());
    assertEquals("fragment-", third.textData());
    WebSocketFrame fourth = ws.nextFrame();
    assertTrue(fourth.isContinuation());
    assertTrue(fourth.isFinal());
    assertEquals("end", fourth.binaryData().toString());
    await(ws.socket().close());
  }

  @Test
  void row10_subProtocolChosenByTheSandboxReachesTheClient() throws Exception {
    WebSocketConnectOptions options = options(client, host(sandbox.port()), "/hmr").setSubProtocols(List.of("vite-hmr"));
    Opened ws = open(client, options);
    assertEquals("vite-hmr", ws.socket().subProtocol());
    await(ws.socket().close());
  }

  @Test
  void row10_sandboxCloseCodeAndReasonReachTheClient() throws Exception {
    Opened ws = open(client, options(client, host(sandbox.port()), "/ws"));
    ws.socket().writeTextMessage("close:4001:sandbox says bye");
    await(ws.closed().future());
    assertEquals((short) 4001, ws.socket().closeStatusCode());
    assertEquals("sandbox says bye", ws.socket().closeReason());
  }

  @Test
  void row10_clientCloseCodeAndReasonReachTheSandbox() throws Exception {
    Opened ws = open(client, options(client, host(sandbox.port()), "/ws"));
    int before = sandbox.webSocketCloses();
    await(ws.socket().close((short) 4002, "client says bye"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (sandbox.webSocketCloses() == before && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals((short) 4002, sandbox.lastCloseCode());
    assertEquals("client says bye", sandbox.lastCloseReason());
  }

  @Test
  void row10_idleSocketIsClosedWith1001() throws Exception {
    TestClient idleClient = new TestClient(vertx, idleGateway.port());
    Opened ws = open(idleClient, options(idleClient, host(sandbox.port()), "/ws"));
    ws.socket().writeTextMessage("still here");
    assertEquals("still here", ws.nextFrame().textData());
    await(ws.closed().future());
    assertEquals((short) 1001, ws.socket().closeStatusCode());
  }

  @Test
  void row10_sandboxRefusingTheUpgradeIsPassedThrough() throws Exception {
    ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> await(client.webSocket().connect(options(client, host(sandbox.port()), "/ws-reject"))));
    UpgradeRejectedException rejected = assertInstanceOf(UpgradeRejectedException.class, failure.getCause());
    assertEquals(403, rejected.getStatus());
    assertEquals("nope", rejected.getHeaders().get("X-Reason"));
    assertEquals("not for you", rejected.getBody().toString());
  }

  @Test
  void row10_slowSandboxPushesBackOnTheClient() throws Exception {
    Opened ws = open(client, options(client, host(stalledSandbox.actualPort()), "/ws"));
    Buffer megabyte = Buffer.buffer(new byte[1024 * 1024]);
    int sent = 0;
    while (!ws.socket().writeQueueFull() && sent < 512) {
      ws.socket().writeFrame(WebSocketFrame.binaryFrame(megabyte, true));
      sent++;
      Thread.sleep(sent < 8 ? 0 : 20);
    }
    assertTrue(ws.socket().writeQueueFull(), "the gateway kept reading although the sandbox read nothing");
    // Bounded, not zero: kernel socket buffers and Vert.x's inbound queues (a few frames each) hold some.
    assertTrue(sent < 400, "back-pressure took " + sent + " MiB to reach the client");
    ws.socket().close();
  }

  @Test
  void row03_pathFormWebSocket_stripsThePrefixAndKeepsHost() throws Exception {
    while (sandbox.anyReceived()) {
      sandbox.next();
    }
    String uri = "/runtime/" + CONV + "/" + sandbox.port() + "/sockets/events?x=1";
    Opened ws = open(client, options(client, "openhands.example.com", uri));
    RecordingSandbox.Received got = sandbox.next();
    assertEquals("WEBSOCKET", got.method());
    assertEquals("/sockets/events?x=1", got.uri());
    assertEquals("openhands.example.com", got.headers().get("Host"));
    assertNull(got.headers().get("X-Origin-Verify"));
    ws.socket().writeTextMessage("hi");
    assertEquals("hi", ws.nextFrame().textData());
    await(ws.socket().close());
  }

  @Test
  void row15_webSocketToTheApp() throws Exception {
    Opened ws = open(client, options(client, "openhands.example.com", "/socket.io/?EIO=4"));
    ws.socket().writeTextMessage("to the app");
    assertEquals("to the app", ws.nextFrame().textData());
    await(ws.socket().close());
  }
}
