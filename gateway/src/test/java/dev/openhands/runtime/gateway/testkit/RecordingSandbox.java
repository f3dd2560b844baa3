package dev.openhands.runtime.gateway.testkit;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sandbox app on 127.0.0.1 that records what reached it, so tests assert on the far side of the
 * gateway. Paths:
 *
 * <ul>
 *   <li>{@code /stream?chunks=N&bytes=B&delayMs=D}: N chunks of B bytes, D ms apart, chunked
 *   <li>{@code /sse?events=N}: server-sent events, 50 ms apart
 *   <li>{@code /slow?ms=N}: answers after N milliseconds
 *   <li>{@code /gated}: sends {@code first}, then the rest only after {@link #releaseGate()}
 *   <li>{@code /upload}: counts the request body and answers its length
 *   <li>{@code /cookie}: sets cookies with and without attributes
 *   <li>{@code /own-headers}: sets its own X-Frame-Options and Content-Security-Policy
 *   <li>{@code /hop}: answers with hop-by-hop headers that must not reach the client
 *   <li>anything else: 200 {@code sandbox <port> <method> <uri>} ({@code HEAD}: {@code Content-Length: 1234})
 * </ul>
 *
 * WebSockets: echo; the text {@code close:CODE:REASON} makes the sandbox close with that code and reason;
 * {@code /ws-reject} is refused with 403 and a body.
 */
public final class RecordingSandbox {

  /** What one request looked like on arrival. */
  public record Received(String method, String uri, MultiMap headers, Buffer body) {}

  private final Vertx vertx;
  private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final List<ServerWebSocket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicInteger webSocketCloses = new AtomicInteger();
  private volatile Short lastCloseCode;
  private volatile String lastCloseReason;
  private final Promise<Void> gate = Promise.promise();
  private HttpServer server;

  public RecordingSandbox(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<RecordingSandbox> start(int port) {
    return start("127.0.0.1", port);
  }

  /** Starts on {@code host}, an address of the loopback range (127.0.0.0/8). */
  public Future<RecordingSandbox> start(String host, int port) {
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
            .setMaxInitialLineLength(16384).setMaxHeaderSize(64 * 1024)
            .setMaxWebSocketFrameSize(16 * 1024 * 1024).setWebSocketSubProtocols(List.of("vite-hmr")))
        .requestHandler(this::request);
    return server.listen().map(this);
  }

  public int port() {
    return server.actualPort();
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** The next request that arrived, waiting up to 5 s. */
  public Received next() throws InterruptedException {
    Received r = received.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("no request reached the sandbox");
    }
    return r;
  }

  /** Whether any request reached the sandbox. */
  public boolean anyReceived() {
    return !received.isEmpty();
  }

  /** Lets {@code /gated} responses finish. */
  public void releaseGate() {
    gate.tryComplete();
  }

  public Short lastCloseCode() {
    return lastCloseCode;
  }

  public String lastCloseReason() {
    return lastCloseReason;
  }

  public int webSocketCloses() {
    return webSocketCloses.get();
  }

  private void request(HttpServerRequest request) {
    boolean upgrade = "websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
    if (upgrade && !request.path().equals("/ws-reject")) {
      request.toWebSocket().onSuccess(this::webSocket);
      return;
    }
    if (request.path().equals("/ws-reject")) {
      request.body().onSuccess(b -> request.response().setStatusCode(403).putHeader("X-Reason", "nope")
          .end("not for you"));
      return;
    }
    if (request.path().equals("/stream")) {
      received.add(new Received(request.method().name(), request.uri(), copy(request.headers()), Buffer.buffer()));
      stream(request);
      return;
    }
    if (request.path().equals("/sse")) {
      received.add(new Received(request.method().name(), request.uri(), copy(request.headers()), Buffer.buffer()));
      sse(request, Integer.parseInt(request.getParam("events", "3")));
      return;
    }
    if (request.path().equals("/slow")) {
      long ms = Long.parseLong(request.getParam("ms", "100"));
      request.body().onSuccess(b -> vertx.setTimer(ms, id -> request.response().end("slow " + ms)));
      return;
    }
    if (request.path().equals("/gated")) {
      received.add(new Received(request.method().name(), request.uri(), copy(request.headers()), Buffer.buffer()));
      request.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
      request.response().write("data: first\n\n");
      gate.future().onComplete(v -> request.response().end("data: last\n\n"));
      return;
    }
    if (request.path().equals("/upload")) {
      long[] total = {0};
      request.handler(b -> total[0] += b.length());
      request.endHandler(v -> {
        received.add(new Received(request.method().name(), request.uri(), copy(request.headers()),
            Buffer.buffer(Long.toString(total[0]))));
        request.response().end(Long.toString(total[0]));
      });
      return;
    }
    request.body().onSuccess(body -> {
      received.add(new Received(request.method().name(), request.uri(), copy(request.headers()), body));
      switch (request.path()) {
        case "/cookie" -> request.response()
            .putHeader("Set-Cookie", List.<String>of("plain=1", "scoped=2; Domain=.example.com; Path=/; HttpOnly",
                "lax=3; SameSite=Lax; Secure"))
            .end("cookies");
        case "/own-headers" -> request.response()
            .putHeader("X-Frame-Options", "DENY")
            .putHeader("Content-Security-Policy", "default-src 'none'")
            .end("own");
        case "/hop" -> request.response()
            .putHeader("Connection", "X-Internal")
            .putHeader("X-Internal", "secret")
            .putHeader("Keep-Alive", "timeout=5")
            .end("hop");
        default -> {
          if (request.method() == io.vertx.core.http.HttpMethod.HEAD) {
            request.response().putHeader("Content-Length", "1234").end();
          } else {
            request.response().putHeader("Content-Type", "text/plain")
                .end("sandbox " + port() + " " + request.method() + " " + request.uri());
          }
        }
      }
    });
  }

  private void stream(HttpServerRequest request) {
    int chunks = Integer.parseInt(request.getParam("chunks", "4"));
    int bytes = Integer.parseInt(request.getParam("bytes", "1024"));
    long delay = Long.parseLong(request.getParam("delayMs", "0"));
    request.response().setChunked(true).putHeader("Content-Type", "application/octet-stream");
    Buffer chunk = Buffer.buffer(new byte[bytes]);
    writeChunks(request, chunk, chunks, delay);
  }

  private void writeChunks(HttpServerRequest request, Buffer chunk, int remaining, long delay) {
    if (remaining == 0) {
      request.response().end();
      return;
    }
    request.response().write(chunk);
    if (delay > 0) {
      vertx.setTimer(delay, id -> writeChunks(request, chunk, remaining - 1, delay));
    } else if (request.response().writeQueueFull()) {
      request.response().drainHandler(v -> writeChunks(request, chunk, remaining - 1, delay));
    } else {
      writeChunks(request, chunk, remaining - 1, delay);
    }
  }

  private void sse(HttpServerRequest request, int events) {
    request.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
    AtomicInteger sent = new AtomicInteger();
    vertx.setPeriodic(50, id -> {
      int n = sent.incrementAndGet();
      request.response().write("data: event " + n + "\n\n");
      if (n == events) {
        vertx.cancelTimer(id);
        request.response().end();
      }
    });
  }

  private void webSocket(ServerWebSocket ws) {
    received.add(new Received("WEBSOCKET", ws.uri(), copy(ws.headers()), Buffer.buffer()));
    sockets.add(ws);
    ws.closeHandler(v -> {
      lastCloseCode = ws.closeStatusCode();
      lastCloseReason = ws.closeReason();
      webSocketCloses.incrementAndGet();
    });
    ws.frameHandler(frame -> {
      if (frame.isText() && frame.isFinal() && frame.textData().startsWith("close:")) {
        String[] parts = frame.textData().split(":", 3);
        ws.close(Short.parseShort(parts[1]), parts[2]);
        return;
      }
      if (frame.isText() || frame.isBinary() || frame.isContinuation()) {
        ws.writeFrame(frame);
      }
    });
  }

  private static MultiMap copy(MultiMap headers) {
    return HttpHeaders.headers().addAll(headers);
  }
}
