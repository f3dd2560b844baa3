package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.impl.headers.HeadersMultiMap;

/**
 * Forwards one HTTP exchange (behaviour table rows 11 and 13) on a pooled upstream connection of the client
 * connection's own event loop: the request body streams upstream and the response body streams back, both with
 * back-pressure, never buffered whole ({@link RelayedExchange}).
 *
 * <p>The returned future completes when the exchange is over. It fails with {@link UpstreamConnectFailed} when no
 * connection could be made: then nothing was sent, the incoming request is still paused and untouched, and the
 * caller may retry or answer. It fails with a {@link GatewayFailure} (502, or 504 when nothing moved for the upstream
 * idle limit) when the upstream failed before the client received anything, for the caller to answer; after that, a
 * failure resets the client's connection. A request body that breaks midway (a bad chunk, a client gone) closes the
 * upstream connection, so the upstream never receives a complete request. A body-less GET, HEAD or OPTIONS that meets
 * a kept-alive connection the upstream had just closed goes again, once, on a new one.
 *
 * <p>A proxy forwards what HTTP/1.1 lets the upstream say besides the final answer: {@code 103 Early Hints} before
 * it, and the trailer fields after a chunked body. {@code 100 Continue} is the client connection's own exchange with
 * the gateway's server.
 */
public final class HttpForwarder {

  private final UpstreamPool pool;

  public HttpForwarder(UpstreamPool pool) {
    this.pool = pool;
  }

  /**
   * @param request the incoming request, paused
   * @param upstream where to send it
   * @param headers the headers to send, {@code Host} included
   */
  public Future<Void> forward(HttpServerRequest request, Upstream upstream, HeadersMultiMap headers) {
    return new RelayedExchange(pool, request, upstream, headers).start();
  }
}
