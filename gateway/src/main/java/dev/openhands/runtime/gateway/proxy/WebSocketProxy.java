package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Proxies a WebSocket upgrade (behaviour table row 10). The upstream handshake runs first; only when the
 * upstream accepted does the client get its 101, with the sub-protocol the upstream chose. An upstream
 * that refuses the upgrade has its status, headers and body passed to the client as they were. Then a
 * {@link WebSocketRelay} carries the frames.
 *
 * <p>The connection is made to the upstream's address, with the original host only in the {@code Host}
 * header (Vert.x would otherwise resolve the name it is given).
 */
public final class WebSocketProxy {

  private final Vertx vertx;
  private final WebSocketClient client;
  private final Duration idleTimeout;
  private final long connectTimeoutMs;
  private final Set<WebSocketRelay> open = ConcurrentHashMap.newKeySet();

  public WebSocketProxy(Vertx vertx, WebSocketClient client, Duration connectTimeout, Duration idleTimeout) {
    this.vertx = vertx;
    this.client = client;
    this.connectTimeoutMs = connectTimeout.toMillis();
    this.idleTimeout = idleTimeout;
  }

  /** Whether a request asks for a WebSocket upgrade. */
  public static boolean isUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader("Upgrade");
    return upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  /**
   * @return a future completed when the WebSocket is closed; failed with {@link UpstreamConnectFailed}
   *     when the upstream could not be reached (the client request is then untouched), or with a
   *     {@link GatewayFailure} to answer
   */
  public Future<Void> proxy(HttpServerRequest request, Upstream upstream, MultiMap headers, Runnable onDataFrame) {
    WebSocketConnectOptions options = new WebSocketConnectOptions()
        .setHost(upstream.ip())
        .setPort(upstream.port())
        .setURI(upstream.uri())
        .setHeaders(headers)
        .setAllowOriginHeader(false)
        .setTimeout(connectTimeoutMs);
    List<String> subProtocols = requestedSubProtocols(request);
    if (!subProtocols.isEmpty()) {
      options.setSubProtocols(subProtocols);
    }
    return client.connect(options)
        .recover(err -> Future.failedFuture(classify(err, upstream)))
        .compose(upstreamSocket -> {
          upstreamSocket.pause();
          return accept(request, upstreamSocket, upstream, onDataFrame);
        }, err -> {
          if (err instanceof RejectedUpgrade rejected) {
            relayRejection(request, rejected.cause, upstream);
            return Future.succeededFuture();
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

  private Future<Void> accept(HttpServerRequest request, WebSocket upstreamSocket, Upstream upstream,
      Runnable onDataFrame) {
    HttpServerResponse response = request.response();
    if (upstreamSocket.subProtocol() != null) {
      response.putHeader("Sec-WebSocket-Protocol", upstreamSocket.subProtocol());
    }
    MultiMap upstreamHeaders = upstreamSocket.headers();
    if (upstreamHeaders != null && upstreamHeaders.contains("Set-Cookie")) {
      response.headers().set("Set-Cookie", upstreamHeaders.getAll("Set-Cookie"));
    }
    upstream.applyResponseRules(response.headers());
    request.resume();
    return request.toWebSocket()
        .onFailure(err -> upstreamSocket.close())
        .compose(clientSocket -> relay(clientSocket, upstreamSocket, onDataFrame));
  }

  private Future<Void> relay(ServerWebSocket clientSocket, WebSocket upstreamSocket, Runnable onDataFrame) {
    clientSocket.pause();
    WebSocketRelay relay = WebSocketRelay.start(vertx, clientSocket, upstreamSocket, idleTimeout, onDataFrame);
    open.add(relay);
    return relay.done().andThen(ar -> open.remove(relay));
  }

  private static void relayRejection(HttpServerRequest request, UpgradeRejectedException rejected,
      Upstream upstream) {
    request.resume();
    HttpServerResponse response = request.response();
    response.setStatusCode(rejected.getStatus());
    if (rejected.getHeaders() != null) {
      ForwardedHeaders.copyResponseHeaders(rejected.getHeaders(), response.headers());
    }
    response.headers().remove("Content-Length");
    upstream.applyResponseRules(response.headers());
    if (rejected.getBody() != null) {
      response.end(rejected.getBody());
    } else {
      response.end();
    }
  }

  private static Throwable classify(Throwable err, Upstream upstream) {
    if (err instanceof UpgradeRejectedException rejected) {
      return new RejectedUpgrade(rejected);
    }
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof ConnectTimeoutException) {
        return new UpstreamConnectFailed(upstream.ip() + ":" + upstream.port(), err);
      }
    }
    return new GatewayFailure(502, "the upstream WebSocket handshake failed", err);
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

  /** The upstream answered the handshake with something other than 101. */
  private static final class RejectedUpgrade extends RuntimeException {
    final transient UpgradeRejectedException cause;

    RejectedUpgrade(UpgradeRejectedException cause) {
      super(cause.getMessage(), null, false, false);
      this.cause = cause;
    }
  }

}
