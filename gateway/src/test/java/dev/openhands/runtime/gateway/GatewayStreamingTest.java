package dev.openhands.runtime.gateway;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Row 11: responses and request bodies stream through the gateway; nothing waits for a whole body. */
@Timeout(60)
class GatewayStreamingTest {

  static final String CONV = "0123456789abcdef0123456789abcdef";

  static GatewayFixture fixture;
  static RecordingSandbox sandbox;
  static GatewayUnderTest gateway;
  static TestClient client;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-stream");
    sandbox = fixture.recording();
    fixture.table().putRunning(CONV, "");
    gateway = fixture.gateway(Map.of());
    client = fixture.client(gateway);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  RequestOptions request(HttpMethod method, String uri) {
    return new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(gateway.port()).setURI(uri)
        .setHeaders(viaCdn(sandbox.port() + "-" + CONV + ".runtime.openhands.example.com"));
  }

  @Test
  void row11_eventStreamReachesTheClientBeforeTheSandboxFinishes() throws Exception {
    Promise<String> firstChunk = Promise.promise();
    StringBuilder all = new StringBuilder();
    Promise<Void> ended = Promise.promise();
    HttpClientResponse response = await(client.onContext(() -> client.http().request(request(HttpMethod.GET, "/gated"))
        .compose(req -> req.send())
        .andThen(ar -> {
          ar.result().handler(chunk -> {
            all.append(chunk);
            firstChunk.tryComplete(chunk.toString());
          });
          ar.result().endHandler(v -> ended.complete());
        })));
    assertEquals(200, response.statusCode());
    assertEquals("text/event-stream", response.getHeader("Content-Type"));
    // The sandbox sends the rest only after this test saw the first event: a buffering proxy would hang here.
    assertEquals("data: first\n\n", await(firstChunk.future()));
    sandbox.releaseGate();
    await(ended.future());
    assertEquals("data: first\n\ndata: last\n\n", all.toString());
  }

  @Test
  void row11_largeChunkedDownloadArrivesWhole() throws Exception {
    AtomicLong bytes = new AtomicLong();
    Promise<Void> ended = Promise.promise();
    await(client.onContext(() -> client.http().request(request(HttpMethod.GET, "/stream?chunks=512&bytes=65536"))
        .compose(req -> req.send())
        .andThen(ar -> {
          ar.result().handler(chunk -> bytes.addAndGet(chunk.length()));
          ar.result().endHandler(v -> ended.complete());
        })));
    await(ended.future());
    assertEquals(512L * 65536, bytes.get());
  }

  @Test
  void row11_largeUploadsStreamWithAndWithoutContentLength() throws Exception {
    long size = 48L * 1024 * 1024;
    while (sandbox.anyReceived()) {
      sandbox.next();
    }
    String chunked = await(client.onContext(() -> client.http().request(request(HttpMethod.POST, "/upload"))
        .compose(req -> req.setChunked(true).send(zeros(size, 64 * 1024)))
        .compose(resp -> resp.body())))
        .toString();
    assertEquals(Long.toString(size), chunked);
    RecordingSandbox.Received got = sandbox.next();
    assertEquals("chunked", got.headers().get("Transfer-Encoding"));

    String sized = await(client.onContext(() -> client.http().request(request(HttpMethod.PUT, "/upload"))
        .compose(req -> req.putHeader("Content-Length", Long.toString(size)).send(zeros(size, 64 * 1024)))
        .compose(resp -> resp.body())))
        .toString();
    assertEquals(Long.toString(size), sized);
    RecordingSandbox.Received sizedGot = sandbox.next();
    assertEquals(Long.toString(size), sizedGot.headers().get("Content-Length"));
    assertNull(sizedGot.headers().get("Transfer-Encoding"));
  }

  @Test
  void row11_headRequestKeepsContentLengthWithoutBody() throws Exception {
    TestClient.Response response = client.send(HttpMethod.HEAD, "/",
        viaCdn(sandbox.port() + "-" + CONV + ".runtime.openhands.example.com"), null);
    assertEquals(200, response.status());
    assertEquals("", response.body());
    assertEquals("1234", response.header("Content-Length"), response.headers().toString());
  }

  /** A stream of {@code total} zero bytes in chunks, produced on demand (never held whole). */
  static ReadStream<Buffer> zeros(long total, int chunkSize) {
    return new ZeroStream(total, chunkSize);
  }

  private static final class ZeroStream implements ReadStream<Buffer> {
    private final Buffer chunk;
    private long remaining;
    private long demand = Long.MAX_VALUE;
    private io.vertx.core.Handler<Buffer> handler;
    private io.vertx.core.Handler<Void> endHandler;
    private boolean emitting;

    ZeroStream(long total, int chunkSize) {
      this.remaining = total;
      this.chunk = Buffer.buffer(new byte[chunkSize]);
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> h) {
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(io.vertx.core.Handler<Buffer> h) {
      this.handler = h;
      emit();
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      demand = 0;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      return fetch(Long.MAX_VALUE);
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      demand = amount == Long.MAX_VALUE || demand + amount < 0 ? Long.MAX_VALUE : demand + amount;
      Vertx.currentContext().runOnContext(v -> emit());
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(io.vertx.core.Handler<Void> h) {
      this.endHandler = h;
      return this;
    }

    private void emit() {
      if (emitting || handler == null) {
        return;
      }
      emitting = true;
      while (demand > 0 && remaining > 0) {
        Buffer next = remaining >= chunk.length() ? chunk.copy() : chunk.getBuffer(0, (int) remaining);
        remaining -= next.length();
        if (demand != Long.MAX_VALUE) {
          demand--;
        }
        handler.handle(next);
      }
      emitting = false;
      if (remaining == 0 && endHandler != null) {
        io.vertx.core.Handler<Void> end = endHandler;
        endHandler = null;
        end.handle(null);
      }
    }
  }

}
