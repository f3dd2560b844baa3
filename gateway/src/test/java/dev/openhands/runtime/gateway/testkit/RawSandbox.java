package dev.openhands.runtime.gateway.testkit;

import static dev.openhands.runtime.gateway.testkit.RawHttp.headers;
import static dev.openhands.runtime.gateway.testkit.RawHttp.line;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sandbox over raw sockets on loopback that answers each request with exactly the bytes its script gives, so
 * that a test controls every byte a server may send (a 1xx before the answer, a second answer nobody asked for, a
 * close instead of one). It reads request bodies framed by {@code Content-Length}, sends {@code 100 Continue} to a
 * request that expects it, and counts the connections it accepts and the requests by path.
 */
public final class RawSandbox implements AutoCloseable {

  /** One request as the sandbox read it; {@code nth} counts the requests on its connection, from 1. */
  public record Request(String method, String path, Map<String, String> headers, byte[] body, int nth) {}

  /** What the sandbox does after the bytes of an answer. */
  public enum Then { KEEP_OPEN, CLOSE, READ_UNTIL_CLOSED }

  /** The bytes of an answer, written as they are, and what the connection does next. */
  public record Answer(String bytes, Then then) {

    /** Answers and waits for the next request on the connection. */
    public static Answer keepOpen(String bytes) {
      return new Answer(bytes, Then.KEEP_OPEN);
    }

    /** Answers, then closes the connection. */
    public static Answer thenClose(String bytes) {
      return new Answer(bytes, Then.CLOSE);
    }

    /** Closes the connection without answering, after reading the request. */
    public static Answer dropped() {
      return new Answer("", Then.CLOSE);
    }

    /** Never answers; reads until the peer closes. */
    public static Answer never() {
      return new Answer("", Then.READ_UNTIL_CLOSED);
    }
  }

  /** The answer to each request. */
  @FunctionalInterface
  public interface Script {
    Answer answer(Request request) throws Exception;
  }

  /** What serves one accepted connection, for a test that reads and writes it in its own way; it closes it. */
  @FunctionalInterface
  public interface Connection {
    void serve(Socket socket) throws Exception;
  }

  private final ServerSocket server;
  private final Script script;
  private final Connection connection;
  private final int socketBuffer;
  private final AtomicInteger connections = new AtomicInteger();
  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  public RawSandbox(Script script) throws IOException {
    this(script, null, 0);
  }

  private RawSandbox(Script script, Connection connection, int socketBuffer) throws IOException {
    this.script = script;
    this.connection = connection;
    this.socketBuffer = socketBuffer;
    server = new ServerSocket();
    if (socketBuffer > 0) {
      server.setReceiveBufferSize(socketBuffer);
    }
    server.bind(new InetSocketAddress("127.0.0.1", 0));
    Thread acceptor = new Thread(this::accept, "raw-sandbox");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * A sandbox whose every connection {@code connection} serves as it likes, its sockets' buffers set to
   * {@code socketBuffer} bytes each way (small, so that what a peer holds back is not hidden in them).
   */
  public static RawSandbox perConnection(int socketBuffer, Connection connection) throws IOException {
    return new RawSandbox(null, connection, socketBuffer);
  }

  /** A 200 with a plain-text body framed by its length. */
  public static String ok(String body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Requests read so far for {@code path}. */
  public int count(String path) {
    AtomicInteger count = counts.get(path);
    return count == null ? 0 : count.get();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        connections.incrementAndGet();
        if (socketBuffer > 0) {
          socket.setSendBufferSize(socketBuffer);
        }
        Thread serving = new Thread(() -> serve(socket), "raw-sandbox-connection");
        serving.setDaemon(true);
        serving.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try (socket) {
      if (connection != null) {
        connection.serve(socket);
        return;
      }
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      for (int nth = 1; ; nth++) {
        String[] requestLine = line(in).split(" ");
        Map<String, String> headers = headers(in);
        counts.computeIfAbsent(requestLine[1], p -> new AtomicInteger()).incrementAndGet();
        if ("100-continue".equalsIgnoreCase(headers.get("expect"))) {
          write(out, "HTTP/1.1 100 Continue\r\n\r\n");
        }
        byte[] body = in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0")));
        Answer answer = script.answer(new Request(requestLine[0], requestLine[1], headers, body, nth));
        write(out, answer.bytes());
        if (answer.then() == Then.READ_UNTIL_CLOSED) {
          in.transferTo(OutputStream.nullOutputStream());
        }
        if (answer.then() != Then.KEEP_OPEN) {
          return;
        }
      }
    } catch (Exception closed) {
      // the peer went away, or the test ended
    }
  }

  private static void write(OutputStream out, String bytes) throws IOException {
    out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
