package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * Forwards one HTTP exchange (behaviour table rows 11 and 13): the request body streams upstream and the
 * response body streams back, both with back-pressure, never buffered whole.
 *
 * <p>The returned future completes when the exchange is over. It fails with
 * {@link UpstreamConnectFailed} when no connection could be made: then nothing was sent, the incoming
 * request is still paused and untouched, and the caller may retry or answer. It fails with a
 * {@link GatewayFailure} (502, or 504 for a timeout) when the upstream failed before the response head,
 * for the caller to answer. After the head, a failure resets the client's stream. A request body that
 * breaks midway (a bad chunk, a client gone) resets the upstream request, so the upstream never receives
 * a complete request.
 *
 * <p>A proxy forwards what HTTP/1.1 lets the upstream say besides the final answer: {@code 103 Early Hints} before
 * it (with the response header rules), and the trailer fields after a chunked body. {@code 100 Continue} is the
 * client connection's own exchange with the gateway's server.
 */
public final class HttpForwarder {

  private final HttpClient client;
  private final long idleTimeoutMs;

  public HttpForwarder(HttpClient client, Duration idleTimeout) {
    this.client = client;
    this.idleTimeoutMs = idleTimeout.toMillis();
  }

  /**
   * @param request the incoming request, paused
   * @param upstream where to send it
   * @param headers the headers to send, {@code Host} included
   */
  public Future<Void> forward(HttpServerRequest request, Upstream upstream, MultiMap headers) {
    RequestOptions options = new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(upstream.port(), upstream.ip()))
        .setMethod(request.method())
        .setURI(upstream.uri())
        .setHeaders(headers)
        .setIdleTimeout(idleTimeoutMs);
    return client.request(options)
        .recover(err -> Future.failedFuture(
            new UpstreamConnectFailed(upstream.ip() + ":" + upstream.port(), err)))
        .compose(upstreamRequest -> exchange(request, upstreamRequest, upstream));
  }

  private Future<Void> exchange(HttpServerRequest request, HttpClientRequest upstreamRequest, Upstream upstream) {
    setBodyFraming(request, upstreamRequest);
    HttpServerResponse response = request.response();
    response.closeHandler(v -> upstreamRequest.reset());
    upstreamRequest.earlyHintsHandler(hints -> {
      MultiMap forwarded = MultiMap.caseInsensitiveMultiMap();
      ForwardedHeaders.copyResponseHeaders(hints, forwarded);
      response.writeEarlyHints(forwarded);
    });
    request.pipe().endOnFailure(false).to(upstreamRequest).onFailure(err -> upstreamRequest.reset(0, err));
    return upstreamRequest.response()
        .recover(err -> Future.failedFuture(beforeHead(err)))
        .compose(upstreamResponse -> relayResponse(request, upstreamResponse, upstream));
  }

  /** Keeps the request's framing: its Content-Length, or chunked when it arrived chunked. */
  private static void setBodyFraming(HttpServerRequest request, HttpClientRequest upstreamRequest) {
    String te = request.getHeader("Transfer-Encoding");
    if (te != null && !upstreamRequest.headers().contains("Content-Length")) {
      upstreamRequest.setChunked(true);
    }
  }

  private static Future<Void> relayResponse(HttpServerRequest request, HttpClientResponse upstreamResponse,
      Upstream upstream) {
    HttpServerResponse response = request.response();
    if (response.closed()) {
      return Future.failedFuture("client closed");
    }
    response.setStatusCode(upstreamResponse.statusCode());
    response.setStatusMessage(upstreamResponse.statusMessage());
    ForwardedHeaders.copyResponseHeaders(upstreamResponse.headers(), response.headers());
    upstream.applyResponseRules(response.headers());
    if (!response.headers().contains("Content-Length") && mayHaveBody(request, upstreamResponse.statusCode())) {
      response.setChunked(true);
    }
    return upstreamResponse.pipe().endOnFailure(false).endOnSuccess(false).to(response)
        .compose(v -> {
          if (response.isChunked()) {
            ForwardedHeaders.copyTrailers(upstreamResponse.trailers(), response.trailers());
          }
          return response.end();
        })
        .onFailure(err -> response.reset());
  }

  private static boolean mayHaveBody(HttpServerRequest request, int status) {
    return !(status < 200 || status == 204 || status == 304 || request.method().name().equals("HEAD"));
  }

  private static GatewayFailure beforeHead(Throwable cause) {
    boolean timeout = cause instanceof TimeoutException || cause.getClass().getSimpleName().contains("Timeout");
    return timeout
        ? new GatewayFailure(504, "the upstream did not answer in time", cause)
        : new GatewayFailure(502, "the upstream closed the connection before answering", cause);
  }
}
