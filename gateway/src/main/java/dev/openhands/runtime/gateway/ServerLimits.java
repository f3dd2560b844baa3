package dev.openhands.runtime.gateway;

import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.proxy.UpstreamPool;
import dev.openhands.runtime.gateway.security.RequestHeadGuard;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** What the public listener accepts (row 14's sizes, idle limits, the head's deadline). */
final class ServerLimits {

  /**
   * Longest request line accepted, without its CRLF; CloudFront's URL limit is 8,192 bytes (row 14). The
   * ALB talks HTTP/1.1 to targets, so clear-text HTTP/2 is off (it would also set the pipeline up only
   * after the first read, too late for {@link RequestHeadGuard}).
   */
  static final int MAX_REQUEST_LINE = 8192;

  /** Header bytes accepted: CloudFront's 20,480 plus room for what CloudFront, Lambda@Edge and the ALB add. */
  static final int MAX_HEADER_BYTES = 20480 + 2048;

  /** A request head must arrive whole within this (slowloris); CloudFront and the ALB send heads at once. */
  static final Duration REQUEST_HEAD_TIMEOUT = Duration.ofSeconds(15);

  private ServerLimits() {}

  /** The listeners' limits (where they listen is theirs); a connection idle longer than any exchange may be is closed. */
  static HttpServerOptions serverOptions(GatewayConfig config) {
    long idleSeconds = Math.max(config.upstreamIdleTimeout().toSeconds(), config.webSocketIdleTimeout().toSeconds())
        + 10;
    return new HttpServerOptions()
        .setMaxInitialLineLength(MAX_REQUEST_LINE)
        .setHttp2ClearTextEnabled(false)
        .setMaxHeaderSize(MAX_HEADER_BYTES)
        .setMaxChunkSize(UpstreamPool.MAX_BODY_CHUNK)
        .setIdleTimeout((int) idleSeconds)
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        .setHandle100ContinueAutomatically(true)
        .setMaxWebSocketFrameSize(UpstreamPool.MAX_WEBSOCKET_FRAME)
        .setMaxWebSocketMessageSize(UpstreamPool.MAX_WEBSOCKET_FRAME)
        .setReuseAddress(true)
        // Every write happens on the connection's own event loop, so Vert.x writes straight to the channel
        // instead of through a thread-safe queue per connection (a write from another thread fails loudly).
        .setStrictThreadMode(true);
  }
}
