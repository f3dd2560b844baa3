package dev.openhands.runtime.gateway.testkit;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A real HTTP client toward the gateway, with blocking helpers for tests. Every request starts on one
 * event-loop context: a Vert.x client called from a plain thread gets a new context per request, and a
 * pooled connection's response can then race its own body chunks to the new context.
 */
public final class TestClient {

  /** A whole response. */
  public record Response(int status, MultiMap headers, String body) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  private final int port;
  private final HttpClient http;
  private final WebSocketClient webSocket;
  private final Context context;

  public TestClient(Vertx vertx, int port) {
    this.port = port;
    this.context = vertx.getOrCreateContext();
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.webSocket = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(16 * 1024 * 1024)
        .setMaxMessageSize(16 * 1024 * 1024));
  }

  public HttpClient http() {
    return http;
  }

  public WebSocketClient webSocket() {
    return webSocket;
  }

  public int port() {
    return port;
  }

  /** Headers that make a request look like it came through CloudFront. */
  public static MultiMap viaCdn(String host) {
    return HttpHeaders.headers().set("Host", host).set("X-Origin-Verify", GatewayUnderTest.SECRET);
  }

  public Response get(String uri, MultiMap headers) throws Exception {
    return send(HttpMethod.GET, uri, headers, null);
  }

  public Response send(HttpMethod method, String uri, MultiMap headers, Buffer body) throws Exception {
    return await(onContext(() -> http.request(new RequestOptions().setMethod(method).setURI(uri)
            .setHost("127.0.0.1").setPort(port).setHeaders(headers))
        .compose(req -> (body == null ? req.send() : req.send(body)))
        .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), resp.headers(), b.toString())))));
  }

  /** Runs {@code action} on this client's context, so that everything it starts shares one event loop. */
  public <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }

  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }
}
