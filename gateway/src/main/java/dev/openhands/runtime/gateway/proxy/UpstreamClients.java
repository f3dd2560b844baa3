package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP and WebSocket clients toward sandboxes and the app, with their pools sized so that the
 * per-sandbox admission limit, not the pool, decides how many exchanges run at once. Both clients are
 * held here for the gateway's whole life (Vert.x closes clients that nothing references).
 */
public final class UpstreamClients {

  /** Largest WebSocket frame relayed, either way. */
  public static final int MAX_WEBSOCKET_FRAME = 16 * 1024 * 1024;

  /**
   * Largest piece a body is decoded into, either way: as large as one socket read, so that a read is relayed
   * as one write. Vert.x flushes every write made outside the target connection's own read, so with Netty's
   * default of 8 KiB a 64 KiB read left as eight system calls instead of one.
   */
  public static final int MAX_BODY_CHUNK = 64 * 1024;

  private final HttpClient http;
  private final WebSocketClient webSocket;

  public UpstreamClients(Vertx vertx, GatewayConfig config) {
    int perOrigin = config.sandboxMaxConnections();
    HttpClientOptions httpOptions = new HttpClientOptions()
        .setKeepAlive(true)
        .setKeepAliveTimeout(30)
        .setConnectTimeout((int) config.upstreamConnectTimeout().toMillis())
        .setTcpNoDelay(true)
        .setDecompressionSupported(false)
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(64 * 1024)
        .setMaxChunkSize(MAX_BODY_CHUNK)
        .setName("upstream");
    PoolOptions pool = new PoolOptions()
        .setHttp1MaxSize(perOrigin)
        .setMaxWaitQueueSize(perOrigin)
        .setCleanerPeriod(1000);
    this.http = vertx.createHttpClient(httpOptions, pool);
    WebSocketClientOptions wsOptions = new WebSocketClientOptions()
        .setConnectTimeout((int) config.upstreamConnectTimeout().toMillis())
        .setMaxConnections(perOrigin)
        .setMaxFrameSize(MAX_WEBSOCKET_FRAME)
        .setMaxMessageSize(MAX_WEBSOCKET_FRAME)
        .setTcpNoDelay(true)
        .setName("upstream-websocket");
    this.webSocket = vertx.createWebSocketClient(wsOptions);
  }

  public HttpClient http() {
    return http;
  }

  public WebSocketClient webSocket() {
    return webSocket;
  }

  /**
   * Closes both clients, giving exchanges still running at most {@code grace} to finish (Vert.x's own
   * default would wait 30 s for every open WebSocket).
   */
  public Future<Void> close(Duration grace) {
    return Future.join(http.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS),
        webSocket.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS)).mapEmpty();
  }
}
