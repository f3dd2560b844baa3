package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.internal.VertxInternal;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Opens the upstream leg of a proxied WebSocket on Netty, on the client connection's event loop: a connection to the
 * upstream's address and the RFC 6455 handshake with the forwarded headers, within the connect timeout. The result
 * is the upgraded channel with the relay's upstream {@link WebSocketRelay.Side} at the end of its pipeline, not
 * reading until the relay starts ({@link Opened}); or {@link UpstreamConnectFailed} (nothing was sent),
 * {@link Rejected} (the upstream answered with something other than 101), or a {@link GatewayFailure} of 502.
 */
final class UpstreamWebSocket {

  /** Largest response head and body of a refused upgrade passed to the client. */
  static final int MAX_REFUSAL = 64 * 1024;

  private final Bootstrap bootstrap;
  private final long timeoutMs;
  private final EventLoop eventLoop;

  UpstreamWebSocket(VertxInternal vertx, EventLoop eventLoop, long connectTimeoutMs) {
    this.eventLoop = eventLoop;
    this.timeoutMs = connectTimeoutMs;
    this.bootstrap = new Bootstrap()
        .group(eventLoop)
        .channelFactory(vertx.transport().channelFactory(false))
        .resolver(vertx.nameResolver().nettyAddressResolverGroup())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeoutMs)
        .option(ChannelOption.TCP_NODELAY, true);
  }

  /** An upgraded upstream channel: its relay side, the sub-protocol the upstream chose and its 101's headers. */
  record Opened(WebSocketRelay.Side side, String subProtocol, HttpHeaders headers) {}

  /** The upstream's answer to a WebSocket handshake that was not 101, to pass to the client as it was. */
  static final class Rejected extends RuntimeException {
    final int status;
    final HttpHeaders headers;
    final byte[] body;

    Rejected(FullHttpResponse response) {
      super("upstream refused the upgrade: " + response.status().code(), null, false, false);
      this.status = response.status().code();
      this.headers = response.headers().copy();
      this.body = ByteBufUtil.getBytes(response.content());
    }
  }

  /**
   * @param headers the headers to send, {@code Host} included; the handshake's own are set here
   * @param subProtocols the sub-protocols the client offered, passed on for the upstream to choose
   */
  Future<Opened> open(Upstream upstream, MultiMap headers, List<String> subProtocols,
      WebSocketRelay relay) {
    Promise<Opened> opened = Promise.promise();
    Handshake handshake = new Handshake(upstream, headers, subProtocols, relay, opened);
    ChannelFuture connect = bootstrap.clone()
        .handler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel channel) {
            channel.pipeline().addLast(new HttpClientCodec(8192, MAX_REFUSAL, UpstreamPool.MAX_BODY_CHUNK),
                new HttpObjectAggregator(MAX_REFUSAL), handshake);
          }
        })
        .connect(InetSocketAddress.createUnresolved(upstream.ip(), upstream.port()));
    ScheduledFuture<?> timeout = eventLoop.schedule(
        () -> handshake.fail(connect.channel(), new GatewayFailure(502, "the upstream WebSocket handshake timed out",
            null)),
        timeoutMs, TimeUnit.MILLISECONDS);
    opened.future().onComplete(ar -> timeout.cancel(false));
    connect.addListener(f -> {
      if (!f.isSuccess()) {
        handshake.fail(connect.channel(), connectFailure(upstream, f.cause()));
      }
    });
    return opened.future();
  }

  private static Throwable connectFailure(Upstream upstream, Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof ConnectTimeoutException) {
        return new UpstreamConnectFailed(upstream.ip() + ":" + upstream.port(), cause);
      }
    }
    return new GatewayFailure(502, "the upstream WebSocket handshake failed", cause);
  }

  /** Sends the handshake once connected and finishes it on the answer. */
  private static final class Handshake extends SimpleChannelInboundHandler<FullHttpResponse> {

    private final Promise<Opened> opened;
    private final WebSocketRelay relay;
    private final ForwardingHandshaker handshaker;

    Handshake(Upstream upstream, MultiMap headers, List<String> subProtocols, WebSocketRelay relay,
        Promise<Opened> opened) {
      this.opened = opened;
      this.relay = relay;
      HttpHeaders forwarded = new DefaultHttpHeaders(false);
      for (Map.Entry<String, String> header : headers) {
        forwarded.add(header.getKey(), header.getValue());
      }
      URI base = URI.create("ws://" + hostForUri(upstream.ip()) + ":" + upstream.port() + "/");
      this.handshaker = new ForwardingHandshaker(base, upstream.uri(), forwarded,
          subProtocols.isEmpty() ? null : String.join(",", subProtocols));
    }

    private static String hostForUri(String host) {
      return host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      handshaker.handshake(ctx.channel()).addListener(f -> {
        if (!f.isSuccess()) {
          fail(ctx.channel(), new GatewayFailure(502, "the upstream WebSocket handshake failed", f.cause()));
        }
      });
      ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      if (opened.future().isComplete()) {
        return;
      }
      if (response.status().code() != 101) {
        fail(ctx.channel(), new Rejected(response));
        return;
      }
      Channel channel = ctx.channel();
      try {
        channel.config().setAutoRead(false);
        handshaker.finishHandshake(channel, response);
      } catch (RuntimeException invalid) {
        fail(channel, new GatewayFailure(502, "the upstream WebSocket handshake failed", invalid));
        return;
      }
      WebSocketRelay.Side side = relay.upstreamSide();
      ctx.pipeline().replace(this, "websocket-relay", side);
      opened.complete(new Opened(side, handshaker.actualSubprotocol(), response.headers().copy()));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      fail(ctx.channel(), new GatewayFailure(502, "the upstream closed the connection during the WebSocket handshake",
          null));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(ctx.channel(), new GatewayFailure(502, "the upstream WebSocket handshake failed", cause));
    }

    void fail(Channel channel, Throwable failure) {
      if (opened.tryFail(failure)) {
        channel.close();
      }
    }
  }

  /**
   * Netty's RFC 6455 client handshake, sending the client's own request target (not re-encoded through
   * {@link URI}) and no {@code Origin} of its own: the forwarded headers carry the client's, if it sent one.
   */
  private static final class ForwardingHandshaker extends WebSocketClientHandshaker13 {

    private final String target;
    private final boolean originForwarded;

    ForwardingHandshaker(URI base, String target, HttpHeaders headers, String subProtocols) {
      super(base, WebSocketVersion.V13, subProtocols, false, headers, UpstreamPool.MAX_WEBSOCKET_FRAME, true,
          false, -1);
      this.target = target;
      this.originForwarded = headers.contains("Origin");
    }

    @Override
    protected FullHttpRequest newHandshakeRequest() {
      FullHttpRequest request = super.newHandshakeRequest();
      request.setUri(target);
      if (!originForwarded) {
        request.headers().remove("Origin");
      }
      return request;
    }
  }
}
