package dev.openhands.runtime.gateway.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Row 14 over raw sockets: each smuggling shape and oversize head is refused with its status, the
 * connection is closed, and nothing reaches the sandbox.
 */
@Timeout(60)
class HostileInputTest {

  static final String CONV = "0123456789abcdef0123456789abcdef";

  static GatewayFixture fixture;
  static RecordingSandbox sandbox;
  static GatewayUnderTest gateway;
  static String host;

  /** What came back on one connection. */
  record Reply(String text, boolean closed) {
    int status() {
      return text.startsWith("HTTP/1.") ? Integer.parseInt(text.substring(9, 12)) : -1;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-hostile");
    fixture.table().putRunning(CONV, "");
    sandbox = fixture.recording();
    gateway = fixture.gateway(Map.of("ORIGIN_VERIFY", "disabled"));
    host = fixture.runtimeHost(CONV);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  @BeforeEach
  void drain() throws InterruptedException {
    while (sandbox.anyReceived()) {
      sandbox.next();
    }
  }

  static Reply send(String raw) throws IOException {
    return send(raw.getBytes(StandardCharsets.ISO_8859_1), 3000);
  }

  static Reply send(byte[] raw, int readTimeoutMs) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
      socket.setSoTimeout(readTimeoutMs);
      OutputStream out = socket.getOutputStream();
      out.write(raw);
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          got.write(buffer, 0, n);
        }
        return new Reply(got.toString(StandardCharsets.ISO_8859_1), true);
      } catch (SocketTimeoutException e) {
        return new Reply(got.toString(StandardCharsets.ISO_8859_1), false);
      }
    }
  }

  void assertRefused(int status, String raw) throws Exception {
    Reply reply = send(raw);
    assertEquals(status, reply.status(), reply.text());
    assertTrue(reply.closed(), "connection left open after " + status);
    Thread.sleep(100);
    assertFalse(sandbox.anyReceived(), "the request reached the sandbox");
  }

  @Test
  void wellFormedRequest_isServedAndKeptAlive() throws Exception {
    Reply reply = send("GET /ok HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    assertEquals(200, reply.status(), reply.text());
    assertFalse(reply.closed());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "CL and TE           | POST /x HTTP/1.1\\r\\nHost: H\\r\\nContent-Length: 5\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "TE and CL           | POST /x HTTP/1.1\\r\\nHost: H\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 5\\r\\n\\r\\n0\\r\\n\\r\\n",
      "two CL              | POST /x HTTP/1.1\\r\\nHost: H\\r\\nContent-Length: 4\\r\\nContent-Length: 5\\r\\n\\r\\nabcd",
      "two equal CL        | POST /x HTTP/1.1\\r\\nHost: H\\r\\nContent-Length: 4\\r\\nContent-Length: 4\\r\\n\\r\\nabcd",
      "CL list             | POST /x HTTP/1.1\\r\\nHost: H\\r\\nContent-Length: 4, 4\\r\\n\\r\\nabcd",
      "TE gzip             | POST /x HTTP/1.1\\r\\nHost: H\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n",
      "TE chunked,identity | POST /x HTTP/1.1\\r\\nHost: H\\r\\nTransfer-Encoding: chunked, identity\\r\\n\\r\\n0\\r\\n\\r\\n",
      "obs-fold            | GET /x HTTP/1.1\\r\\nHost: H\\r\\nX-A: a\\r\\n b\\r\\n\\r\\n",
      "obs-fold tab        | GET /x HTTP/1.1\\r\\nHost: H\\r\\nX-A: a\\r\\n\\tb\\r\\n\\r\\n",
      "bare LF             | GET /x HTTP/1.1\\nHost: H\\n\\n",
      "bare LF one header  | GET /x HTTP/1.1\\r\\nHost: H\\nX-A: b\\r\\n\\r\\n",
      "space before colon  | GET /x HTTP/1.1\\r\\nHost: H\\r\\nX-A : b\\r\\n\\r\\n",
      "no Host             | GET /x HTTP/1.1\\r\\n\\r\\n",
      "two CL, HTTP/1.0    | POST /x HTTP/1.0\\r\\nHost: H\\r\\nContent-Length: 4\\r\\nContent-Length: 5\\r\\n\\r\\nabcd",
      "CL with a sign      | POST /x HTTP/1.1\\r\\nHost: H\\r\\nContent-Length: +4\\r\\n\\r\\nabcd",
      "TE identity,chunked | POST /x HTTP/1.1\\r\\nHost: H\\r\\nTransfer-Encoding: identity, chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "two TE chunked      | POST /x HTTP/1.1\\r\\nHost: H\\r\\nTransfer-Encoding: chunked\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
      "empty field name    | GET /x HTTP/1.1\\r\\nHost: H\\r\\n: v\\r\\n\\r\\n",
      "HTTP/2.1            | GET /x HTTP/2.1\\r\\nHost: H\\r\\n\\r\\n",
      "two spaces          | GET  /x HTTP/1.1\\r\\nHost: H\\r\\n\\r\\n",
      "CRLF, then obs-fold | \\r\\nGET /x HTTP/1.1\\r\\nHost: H\\r\\nX-A: a\\r\\n b\\r\\n\\r\\n"})
  void row14_smugglingShapes_are400AndClosed(String shape, String template) throws Exception {
    assertRefused(400, template.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").replace("Host: H", "Host: " + host));
  }

  @Test
  void row14_requestLineOver8192_is414() throws Exception {
    String path = "/" + "a".repeat(8193 - "GET  HTTP/1.1".length() - 1);
    assertRefused(414, "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
  }

  @Test
  void row14_requestLineAtCloudFrontsLimit_isServed() throws Exception {
    String path = "/" + "a".repeat(8192 - "GET  HTTP/1.1".length() - 1);
    Reply reply = send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    assertEquals(200, reply.status());
  }

  @Test
  void row14_headersOverTheLimit_are431() throws Exception {
    StringBuilder raw = new StringBuilder("GET /x HTTP/1.1\r\nHost: " + host + "\r\n");
    for (int i = 0; i < 24; i++) {
      raw.append("X-Big-").append(i).append(": ").append("v".repeat(1000)).append("\r\n");
    }
    assertRefused(431, raw.append("\r\n").toString());
  }

  @Test
  void row14_moreThan100HeaderFields_are431_100AreServed() throws Exception {
    StringBuilder hundred = new StringBuilder("GET /x HTTP/1.1\r\nHost: " + host + "\r\n");
    for (int i = 0; i < 99; i++) {
      hundred.append("X-H").append(i).append(": v\r\n");
    }
    assertEquals(200, send(hundred + "\r\n").status());
    drain();
    assertRefused(431, hundred + "X-One-Too-Many: v\r\n\r\n");
  }

  @Test
  void row14_badChunkSizeMidBody_resetsTheUpstreamRequest() throws Exception {
    Reply reply = send("POST /upload HTTP/1.1\r\nHost: " + host + "\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\nzz\r\nmore\r\n0\r\n\r\n");
    assertTrue(reply.closed());
    Thread.sleep(300);
    assertFalse(sandbox.anyReceived(), "the sandbox received a complete request");
  }

  @Test
  void row14_slowHead_isCutOff() throws Exception {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
      socket.setSoTimeout(25_000);
      socket.getOutputStream().write("GET /x HTTP/1.1\r\nHost: ".getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      long started = System.nanoTime();
      assertEquals(-1, socket.getInputStream().read(), "the connection should be closed without an answer");
      long waitedMs = (System.nanoTime() - started) / 1_000_000;
      assertTrue(waitedMs >= 14_000 && waitedMs < 20_000, "closed after " + waitedMs + " ms");
    }
  }
}
