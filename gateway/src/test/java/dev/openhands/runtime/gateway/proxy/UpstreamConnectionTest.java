package dev.openhands.runtime.gateway.proxy;

import static dev.openhands.runtime.gateway.testkit.RawHttp.headers;
import static dev.openhands.runtime.gateway.testkit.RawHttp.line;
import static dev.openhands.runtime.gateway.testkit.RawSandbox.Answer.keepOpen;
import static dev.openhands.runtime.gateway.testkit.RawSandbox.Answer.thenClose;
import static dev.openhands.runtime.gateway.testkit.RawSandbox.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RawHttp;
import dev.openhands.runtime.gateway.testkit.RawHttp.Response;
import dev.openhands.runtime.gateway.testkit.RawSandbox;
import dev.openhands.runtime.gateway.testkit.RawSandbox.Answer;
import java.io.IOException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's own upstream connections, seen from a raw-socket sandbox: kept alive and reused, never reused after
 * an answer that ends the connection or after bytes nobody asked for, a stale kept-alive connection retried only for
 * a request that changes nothing, a HEAD after an interim answer framed right, the idle limit, and a response cut
 * after its head (or refused in its trailer) that the client cannot take for a whole one.
 */
@Timeout(60)
class UpstreamConnectionTest {

  static final String CONV = "89abcdef0123456789abcdef01234567";

  static GatewayFixture fixture;
  static RawSandbox sandbox;
  static GatewayUnderTest gateway;
  static String host;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-upstream-connections");
    fixture.table().putRunning(CONV, "");
    sandbox = new RawSandbox(UpstreamConnectionTest::answer);
    gateway = fixture.gateway(Map.of("ORIGIN_VERIFY", "disabled", "UPSTREAM_IDLE_TIMEOUT", "1s"));
    host = GatewayFixture.runtimeHost(sandbox.port(), CONV);
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
  void aTrailerTheDecoderRefuses_endsTheClientConnection_beforeTheLastChunk() throws Exception {
    try (RawHttp.Client client = client()) {
      client.write(request("GET", "/refused-trailer").replace("\r\n\r\n", "\r\nTE: trailers\r\n\r\n"));
      assertEquals("HTTP/1.1 200 OK", line(client.in()));
      assertEquals("chunked", headers(client.in()).get("transfer-encoding"));
      String rest = client.readToClose();
      assertTrue(rest.contains("hello"), rest);
      assertFalse(rest.contains("\r\n0\r\n"), "the client must not take the body for whole: " + rest);
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
  void anIdleClientConnection_isClosedAfterTheLongestExchangeIdleLimitAndTenSeconds() throws Exception {
    GatewayUnderTest shortLimits = fixture.gateway(Map.of("ORIGIN_VERIFY", "disabled", "UPSTREAM_IDLE_TIMEOUT", "1s",
        "WEBSOCKET_IDLE_TIMEOUT", "1s"));
    try (RawHttp.Client client = new RawHttp.Client(shortLimits.port())) {
      client.write(request("GET", "/before-idle"));
      assertEquals("ok:/before-idle", client.read(false).body());
      long quietSince = System.nanoTime();
      assertThrows(SocketTimeoutException.class, () -> client.in().read(), "still open 5 s into an 11 s limit");
      int end = 0;
      for (int wait = 0; wait < 4 && end == 0; wait++) { // reads time out after 5 s each
        try {
          end = client.in().read();
        } catch (SocketTimeoutException stillOpen) {
          // wait on
        } catch (SocketException reset) {
          end = -1;
        }
      }
      long quietMs = (System.nanoTime() - quietSince) / 1_000_000;
      assertEquals(-1, end, "closed by the gateway after " + quietMs + " ms idle");
      assertTrue(quietMs >= 10_000, "closed after only " + quietMs + " ms idle");
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

  /** The bytes the sandbox answers with, by path. */
  private static Answer answer(RawSandbox.Request request) {
    return switch (request.path()) {
      case "/hints-then-sized" -> keepOpen("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
          + "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n" + (request.method().equals("HEAD") ? "" : "0123456789"));
      case "/close-if-reused" -> request.nth() > 1 ? Answer.dropped() : keepOpen(ok("ok:" + request.path()));
      case "/two-answers" -> keepOpen(ok("first") + ok("second"));
      case "/until-close" -> thenClose("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close");
      case "/cut" -> thenClose("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
      case "/refused-trailer" -> keepOpen("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
          + "Transfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n"
          + "X-Checksum: sha\u007f-1\r\n\r\n");
      case "/never" -> Answer.never();
      default -> keepOpen(ok("ok:" + request.path()));
    };
  }
}
