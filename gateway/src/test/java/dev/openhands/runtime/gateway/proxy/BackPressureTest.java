package dev.openhands.runtime.gateway.proxy;

import static dev.openhands.runtime.gateway.testkit.RawHttp.headers;
import static dev.openhands.runtime.gateway.testkit.RawHttp.line;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.Poll;
import dev.openhands.runtime.gateway.testkit.RawSandbox;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Back-pressure through the gateway, both ways: a body is relayed as fast as the slower side takes it, never
 * gathered in the gateway's memory. A sandbox sends 64 MiB to a client that reads nothing yet: the sandbox is
 * held back after what the sockets' buffers hold (the gateway stops reading from it). A client sends 64 MiB to a
 * sandbox that reads nothing yet: the client is held back in the same way. Either body then arrives whole once the
 * slow side reads.
 */
@Timeout(120)
class BackPressureTest {

  static final String CONV = "fedcba9876543210fedcba9876543210";
  static final int BODY = 64 * 1024 * 1024;
  /** What the buffers on the way may hold (socket buffers grow to a few MiB each on loopback): far less than BODY. */
  static final int HELD_AT_MOST = BODY / 2;
  static final long STILL_NANOS = TimeUnit.SECONDS.toNanos(1);

  static GatewayFixture fixture;
  static GatewayUnderTest gateway;
  static StreamingSandbox sandbox;
  static String host;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-back-pressure");
    fixture.table().putRunning(CONV, "");
    sandbox = new StreamingSandbox();
    gateway = fixture.gateway(Map.of("ORIGIN_VERIFY", "disabled"));
    host = GatewayFixture.runtimeHost(sandbox.port(), CONV);
  }

  @AfterAll
  static void stop() throws Exception {
    sandbox.close();
    fixture.close();
  }

  @Test
  void aClientThatReadsNothingYet_holdsBackTheSandbox_thenGetsTheWholeBody() throws Exception {
    try (Socket client = slowSocket()) {
      client.getOutputStream().write(("GET /download HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      long sent = whereItStops(sandbox.sent, BODY);
      assertTrue(sent < HELD_AT_MOST, "the sandbox sent " + sent + " bytes to a client that read none");

      InputStream in = new BufferedInputStream(client.getInputStream());
      assertEquals("HTTP/1.1 200 OK", line(in));
      assertEquals(Integer.toString(BODY), headers(in).get("content-length"));
      assertEquals(BODY, count(in, BODY), "the whole body, once the client reads");
    }
  }

  @Test
  void aSandboxThatReadsNothingYet_holdsBackTheClient_thenGetsTheWholeBody() throws Exception {
    try (Socket client = slowSocket()) {
      AtomicLong written = new AtomicLong();
      OutputStream out = client.getOutputStream();
      out.write(("POST /upload HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: " + BODY + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      Thread writer = new Thread(() -> {
        byte[] chunk = new byte[64 * 1024];
        try {
          for (int n = 0; n < BODY; n += chunk.length) {
            out.write(chunk);
            written.addAndGet(chunk.length);
          }
        } catch (IOException closed) {
          // the test failed elsewhere
        }
      }, "slow-upload");
      writer.setDaemon(true);
      writer.start();
      long held = whereItStops(written, BODY);
      assertTrue(held < HELD_AT_MOST, "the client wrote " + held + " bytes to a sandbox that read none");

      sandbox.startReading.countDown();
      InputStream in = new BufferedInputStream(client.getInputStream());
      assertEquals("HTTP/1.1 200 OK", line(in));
      int length = Integer.parseInt(headers(in).get("content-length"));
      assertEquals("received " + BODY, new String(in.readNBytes(length), StandardCharsets.ISO_8859_1));
      writer.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  /** A client socket with small buffers, so that what it holds back is not hidden in its own kernel buffers. */
  private static Socket slowSocket() throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(64 * 1024);
    socket.setSendBufferSize(64 * 1024);
    socket.setSoTimeout(30_000);
    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.port()));
    return socket;
  }

  /** Reads {@code count} until it reaches {@code total} or stops growing for a second; returns where it stopped. */
  private static long whereItStops(AtomicLong count, long total) throws Exception {
    long[] last = {-1};
    long[] since = {System.nanoTime()};
    return Poll.until(Duration.ofSeconds(60), () -> {
      long now = count.get();
      if (now != last[0]) {
        last[0] = now;
        since[0] = System.nanoTime();
      }
      return now >= total || System.nanoTime() - since[0] > STILL_NANOS ? now : -1L;
    }, stopped -> stopped >= 0, stopped -> "still moving at " + count.get());
  }

  private static long count(InputStream in, long expected) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    for (int n; total < expected && (n = in.read(buffer)) > 0; ) {
      total += n;
    }
    return total;
  }

  /**
   * A sandbox with small socket buffers: {@code GET /download} sends {@link #BODY} bytes as fast as the gateway
   * takes them, counting; {@code POST /upload} reads its body only once {@link #startReading} opens.
   */
  static final class StreamingSandbox implements AutoCloseable {
    final AtomicLong sent = new AtomicLong();
    final CountDownLatch startReading = new CountDownLatch(1);
    private final RawSandbox server;

    StreamingSandbox() throws IOException {
      server = RawSandbox.perConnection(64 * 1024, this::serve);
    }

    int port() {
      return server.port();
    }

    private void serve(Socket socket) throws Exception {
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      String path = line(in).split(" ")[1];
      Map<String, String> headers = headers(in);
      if (path.equals("/download")) {
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + BODY + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        byte[] chunk = new byte[64 * 1024];
        for (int n = 0; n < BODY; n += chunk.length) {
          out.write(chunk);
          sent.addAndGet(chunk.length);
        }
      } else {
        startReading.await(60, TimeUnit.SECONDS);
        long received = count(in, Long.parseLong(headers.get("content-length")));
        String body = "received " + received;
        out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
            .getBytes(StandardCharsets.ISO_8859_1));
      }
      out.flush();
      in.transferTo(OutputStream.nullOutputStream());
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
