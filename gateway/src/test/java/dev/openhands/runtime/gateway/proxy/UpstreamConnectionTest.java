package dev.openhands.runtime.gateway.proxy;

import static dev.openhands.runtime.gateway.testkit.RawHttp.headers;
import static dev.openhands.runtime.gateway.testkit.RawHttp.line;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RawHttp;
import dev.openhands.runtime.gateway.testkit.RawHttp.Response;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's own upstream connections, seen from a raw-socket sandbox: kept alive and reused, never reused after
 * an answer that ends the connection or after bytes nobody asked for, a stale kept-alive connection retried only for
 * a request that changes nothing, a HEAD after an interim answer framed right, the idle limit, and a response cut
 * after its head that the client cannot take for a whole one.
 */
@Timeout(60)
class UpstreamConnectionTest {

  static final String CONV = "89abcdef0123456789abcdef01234567";

  static GatewayFixture fixture;
  static ConnectionCountingSandbox sandbox;
  static GatewayUnderTest gateway;
  static String host;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-upstream-connections");
    fixture.table().putRunning(CONV, "");
    sandbox = new ConnectionCountingSandbox();
    gateway = fixture.gateway(Map.of("ORIGIN_VERIFY", "disabled", "UPSTREAM_IDLE_TIMEOUT", "1s"));
    host = sandbox.port() + "-" + CONV + ".runtime.openhands.example.com";
  }

  @AfterAll
  static void stop() throws Exception {
    sandbox.close();
    fixture.close();
  }

  private static String request(String method, String path) {
    return method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
  }

  private static RawHttp.Client client() throws IOException {
    return new RawHttp.Client(gateway.port());
  }

  @Test
  void exchangesInARow_shareOneUpstreamConnection() throws Exception {
    int before = sandbox.connections();
    try (RawHttp.Client client = client()) {
      for (int i = 0; i < 5; i++) {
        client.write(request("GET", "/row-" + i));
        assertEquals("ok:/row-" + i, client.read(false).body());
      }
    }
    assertTrue(sandbox.connections() - before <= 1, "connections opened: " + (sandbox.connections() - before));
  }

  @Test
  void aHeadAfterAnInterimAnswer_framesNoBody_andTheNextExchangeGoesOn() throws Exception {
    try (RawHttp.Client client = client()) {
      client.write(request("HEAD", "/hints-then-sized"));
      Response head = client.read(true);
      assertEquals(200, head.status());
      assertEquals(List.of(103), head.informational());
      assertEquals("10", head.headers().get("content-length"));
      client.write(request("GET", "/after-head"));
      assertEquals("ok:/after-head", client.read(false).body());
    }
  }

  @Test
  void aStaleKeptAliveConnection_isRetriedOnce_forARequestThatChangesNothing() throws Exception {
    int before = sandbox.count("/close-if-reused");
    try (RawHttp.Client client = client()) {
      client.write(request("GET", "/warm"));
      assertEquals("ok:/warm", client.read(false).body());
      client.write(request("GET", "/close-if-reused"));
      Response response = client.read(false);
      assertEquals(200, response.status(), response.body());
      assertEquals("ok:/close-if-reused", response.body());
    }
    assertEquals(before + 2, sandbox.count("/close-if-reused"), "sent on the stale connection, then on a new one");
  }

  @Test
  void aStaleKeptAliveConnection_isNotRetried_forARequestWithABody() throws Exception {
    int before = sandbox.count("/close-if-reused");
    try (RawHttp.Client client = client()) {
      client.write(request("GET", "/warm"));
      assertEquals("ok:/warm", client.read(false).body());
      client.write("POST /close-if-reused HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 4\r\n\r\nonce");
      assertEquals(502, client.read(false).status());
    }
    assertEquals(before + 1, sandbox.count("/close-if-reused"));
  }

  @Test
  void aSecondAnswerNobodyAskedFor_neverReachesTheNextRequest() throws Exception {
    try (RawHttp.Client client = client()) {
      client.write(request("GET", "/two-answers"));
      assertEquals("first", client.read(false).body());
      client.write(request("GET", "/next"));
      assertEquals("ok:/next", client.read(false).body());
    }
  }

  @Test
  void aBodyEndedByClosingTheConnection_arrivesWhole_andTheNextExchangeGoesOn() throws Exception {
    try (RawHttp.Client client = client()) {
      client.write(request("GET", "/until-close"));
      Response response = client.read(false);
      assertEquals("chunked", response.headers().get("transfer-encoding"));
      assertEquals("until close", response.body());
      client.write(request("GET", "/after-close"));
      assertEquals("ok:/after-close", client.read(false).body());
    }
  }

  @Test
  void aSandboxThatNeverAnswers_gets504AfterTheIdleLimit() throws Exception {
    try (RawHttp.Client client = client()) {
      client.write(request("GET", "/never"));
      Response response = client.read(false);
      assertEquals(504, response.status(), response.body());
      assertEquals("nosniff", response.headers().get("x-content-type-options"), "row 12 on the gateway's answer");
    }
  }

  @Test
  void aResponseCutAfterItsHead_endsTheClientConnection_shortOfItsLength() throws Exception {
    try (RawHttp.Client client = client()) {
      client.write(request("GET", "/cut"));
      assertEquals("HTTP/1.1 200 OK", line(client.in()));
      assertEquals("100", headers(client.in()).get("content-length"));
      String rest = client.readToClose();
      assertTrue(rest.length() < 100, "the client must not get a whole body: " + rest.length());
    }
  }

  /** A sandbox over raw sockets that counts the connections it accepts and the requests on each. */
  static final class ConnectionCountingSandbox implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    ConnectionCountingSandbox() throws IOException {
      server = new ServerSocket();
      server.bind(new InetSocketAddress("127.0.0.1", 0));
      Thread acceptor = new Thread(this::accept, "counting-sandbox");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    int connections() {
      return connections.get();
    }

    int count(String path) {
      return counts.getOrDefault(path, new AtomicInteger()).get();
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          connections.incrementAndGet();
          Thread connection = new Thread(() -> serve(socket), "counting-sandbox-connection");
          connection.setDaemon(true);
          connection.start();
        } catch (IOException closed) {
          return;
        }
      }
    }

    private void serve(Socket socket) {
      try (socket) {
        InputStream in = new BufferedInputStream(socket.getInputStream());
        OutputStream out = socket.getOutputStream();
        for (int onThisConnection = 1; ; onThisConnection++) {
          String[] requestLine = line(in).split(" ");
          String method = requestLine[0];
          String path = requestLine[1];
          Map<String, String> headers = headers(in);
          in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
          counts.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
          String answer = answer(method, path, onThisConnection);
          if (answer == null) {
            return;
          }
          out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          if (path.equals("/until-close") || path.equals("/cut")) {
            return;
          }
          if (path.equals("/never")) {
            in.transferTo(OutputStream.nullOutputStream());
            return;
          }
        }
      } catch (IOException | RuntimeException closed) {
        // the peer went away
      }
    }

    /** The bytes to answer with, or {@code null} to close without answering. */
    private static String answer(String method, String path, int onThisConnection) {
      return switch (path) {
        case "/hints-then-sized" -> "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + (method.equals("HEAD") ? "" : "0123456789");
        case "/close-if-reused" -> onThisConnection > 1 ? null : ok("ok:" + path);
        case "/two-answers" -> ok("first") + ok("second");
        case "/until-close" -> "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close";
        case "/cut" -> "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789";
        case "/never" -> "";
        default -> ok("ok:" + path);
      };
    }

    private static String ok(String body) {
      return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
