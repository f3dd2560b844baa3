package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.VertxHandler;
import io.netty.util.concurrent.GenericFutureListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Proxies a WebSocket upgrade (behaviour table row 10). The upstream handshake runs first
 * ({@link UpstreamWebSocket}, on the listener's event loop); only when the upstream accepted does the client get its
 * 101, with the sub-protocol the upstream chose. An upstream that refuses the upgrade has its status, headers and
 * body passed to the client as they were. Then Vert.x's handler leaves the client's channel and a
 * {@link WebSocketRelay} carries the frames between the two channels.
 *
 * <p>The connection is made to the upstream's address, with the original host only in the {@code Host} header.
 */
public final class WebSocketProxy {

  private final UpstreamWebSocket upstreams;
  private final long idleTimeoutMs;
  private final Set<WebSocketRelay> open = ConcurrentHashMap.newKeySet();
  private final EventLoop eventLoop;

  /** @param eventLoop the listener's event loop, where its client connections live */
  public WebSocketProxy(VertxInternal vertx, EventLoop eventLoop, Duration connectTimeout, Duration idleTimeout) {
    this.eventLoop = eventLoop;
    this.upstreams = new UpstreamWebSocket(vertx, eventLoop, connectTimeout.toMillis());
    this.idleTimeoutMs = idleTimeout.toMillis();
  }

  /** Whether a request asks for a WebSocket upgrade. */
  public static boolean isUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader(HttpHeaderNames.UPGRADE);
    return upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  /**
   * @return a future completed when the frames flow, with the relay (whose {@link WebSocketRelay#done()} tells when
   *     both sides are closed), or with {@code null} when the upstream refused the upgrade and its answer was passed
   *     on; failed with {@link UpstreamConnectFailed} when the upstream could not be reached (the client request is
   *     then untouched), or with a {@link GatewayFailure} to answer
   */
  public Future<WebSocketRelay> proxy(HttpServerRequest request, Upstream upstream, MultiMap headers, Runnable onDataFrame) {
    WebSocketRelay relay = new WebSocketRelay(eventLoop, idleTimeoutMs, onDataFrame);
    return upstreams.open(upstream, headers, requestedSubProtocols(request), relay)
        .compose(opened -> accept(request, opened, upstream, relay), err -> {
          if (err instanceof UpstreamWebSocket.Rejected rejected) {
            relayRejection(request, rejected, upstream);
            return Future.succeededFuture(null);
          }
          return Future.failedFuture(err);
        });
  }

  /** Closes every open WebSocket with 1001, as at the end of a drain. */
  public void closeAll(String reason) {
    for (WebSocketRelay relay : open) {
      relay.close(WebSocketRelay.GOING_AWAY, reason);
    }
  }

  /** Number of WebSockets being relayed. */
  public int openCount() {
    return open.size();
  }

  private Future<WebSocketRelay> accept(HttpServerRequest request, UpstreamWebSocket.Opened opened, Upstream upstream,
      WebSocketRelay relay) {
    HttpServerResponse response = request.response();
    if (opened.subProtocol() != null && !opened.subProtocol().isEmpty()) {
      response.putHeader("Sec-WebSocket-Protocol", opened.subProtocol());
    }
    List<String> cookies = opened.headers().getAll("Set-Cookie");
    if (!cookies.isEmpty()) {
      response.headers().set("Set-Cookie", cookies);
    }
    upstream.applyResponseRules(response.headers());
    request.resume();
    return request.toWebSocket()
        .onFailure(err -> opened.side().closeNow())
        .map(clientSocket -> relay(request, clientSocket, relay));
  }

  /**
   * Takes the client's channel from Vert.x, in the same event-loop turn as its 101, so before any frame: Vert.x's
   * handler leaves the pipeline, and its connections (the HTTP one and the WebSocket one) stop listening for the
   * channel's close, so that nothing keeps them, or their write queues, reachable.
   */
  private WebSocketRelay relay(HttpServerRequest request, ServerWebSocket clientSocket, WebSocketRelay relay) {
    ChannelHandlerContext vertxHandler = ((WebSocketInternal) clientSocket).channelHandlerContext();
    Channel channel = vertxHandler.channel();
    ChannelHandler handler = vertxHandler.handler();
    forgetClose(channel, (ConnectionBase) request.connection());
    if (handler instanceof VertxHandler<?> webSocketHandler) {
      forgetClose(channel, webSocketHandler.getConnection());
    }
    vertxHandler.pipeline().replace(handler, "websocket-relay", relay.clientSide());
    relay.start();
    open.add(relay);
    relay.done().onComplete(ar -> open.remove(relay));
    return relay;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void forgetClose(Channel channel, ConnectionBase connection) {
    if (connection.closeFuture() instanceof GenericFutureListener listener) {
      channel.closeFuture().removeListener(listener);
    }
  }

  private static void relayRejection(HttpServerRequest request, UpstreamWebSocket.Rejected rejected,
      Upstream upstream) {
    request.resume();
    HttpServerResponse response = request.response();
    response.setStatusCode(rejected.status);
    ForwardedHeaders.copyResponseHeaders(rejected.headers, response.headers());
    response.headers().remove("Content-Length");
    upstream.applyResponseRules(response.headers());
    if (rejected.body.length > 0) {
      response.end(io.vertx.core.buffer.Buffer.buffer(rejected.body));
    } else {
      response.end();
    }
  }

  private static List<String> requestedSubProtocols(HttpServerRequest request) {
    List<String> protocols = new ArrayList<>();
    for (String header : request.headers().getAll("Sec-WebSocket-Protocol")) {
      for (String token : header.split(",")) {
        String protocol = token.trim();
        if (!protocol.isEmpty()) {
          protocols.add(protocol);
        }
      }
    }
    return protocols;
  }
}
