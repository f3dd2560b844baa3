package dev.openhands.runtime.gateway;

import dev.openhands.runtime.gateway.chain.RequestPath;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.proxy.HttpForwarder;
import dev.openhands.runtime.gateway.proxy.IdleClock;
import dev.openhands.runtime.gateway.proxy.UpstreamPool;
import dev.openhands.runtime.gateway.proxy.WebSocketProxy;
import dev.openhands.runtime.gateway.security.RequestHeadGuard;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One listener on one event loop, with the upstream connections its exchanges use, so that an exchange never crosses
 * event loops: a client connection and its upstream connection share a thread.
 */
final class Listener extends VerticleBase {

  private final RequestPath.Shared shared;
  private final String host;
  private final int port;
  private final Consumer<Listener> onStarted;
  private UpstreamPool upstreams;
  private WebSocketProxy webSocket;
  private HttpServer server;

  /**
   * @param host and {@code port}: where to listen (the public listener's, or the warm-up's loopback port; 0 picks a
   *     free port, shared by every instance of one deployment)
   * @param onStarted called once the listener is bound
   */
  Listener(RequestPath.Shared shared, String host, int port, Consumer<Listener> onStarted) {
    this.shared = shared;
    this.host = host;
    this.port = port;
    this.onStarted = onStarted;
  }

  @Override
  public Future<?> start() {
    GatewayConfig config = shared.config();
    EventLoop eventLoop = ((ContextInternal) context).nettyEventLoop();
    upstreams = new UpstreamPool((VertxInternal) vertx, eventLoop, config);
    webSocket = new WebSocketProxy((VertxInternal) vertx, eventLoop, config.upstreamConnectTimeout(),
        config.webSocketIdleTimeout());
    HttpForwarder http = new HttpForwarder(upstreams);
    RequestPath path = new RequestPath(context, shared, http, webSocket);
    HttpServerOptions options = ServerLimits.serverOptions(config).setHost(host).setPort(port);
    server = vertx.createHttpServer(options)
        .connectionHandler(connection -> {
          RequestHeadGuard.install(connection, options, ServerLimits.REQUEST_HEAD_TIMEOUT);
          HalfClose.install(connection);
          IdleClock.install(connection, options);
        })
        .requestHandler(path);
    return server.listen().andThen(ar -> {
      if (ar.succeeded()) {
        onStarted.accept(this);
      }
    });
  }

  /** The port bound. */
  int actualPort() {
    return server.actualPort();
  }

  WebSocketProxy webSockets() {
    return webSocket;
  }

  /** Stops accepting, lets exchanges in flight finish for up to {@code graceMs}, then closes. */
  Future<Void> shutdown(long graceMs) {
    return server.shutdown(graceMs, TimeUnit.MILLISECONDS)
        .andThen(ar -> upstreams.close());
  }
}
