package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.config.GatewayConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP client toward sandboxes and the app, its pool sized so that the per-sandbox admission limit, not the
 * pool, decides how many exchanges run at once; held here for the gateway's whole life (Vert.x closes clients that
 * nothing references). WebSockets open their upstream leg on Netty ({@link UpstreamWebSocket}).
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
  }

  public HttpClient http() {
    return http;
  }

  /** Closes the client, giving exchanges still running at most {@code grace} to finish. */
  public Future<Void> close(Duration grace) {
    return http.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS);
  }
}
