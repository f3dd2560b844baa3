package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.config.GatewayConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP/1.1 connections toward sandboxes and the app for one event loop: opened on that loop, so that a client
 * connection and its upstream connection share a thread, and kept idle per (address, port) for the next exchange.
 * Nothing caps how many are open at once: the per-sandbox admission limit decides how many exchanges run. An idle
 * connection is closed after at most {@link #KEEP_ALIVE_MS} (sooner when the exchange idle limit is shorter), and
 * at most {@code sandboxMaxConnections} stay idle per (address, port).
 */
public final class UpstreamPool {

  /** Largest WebSocket frame relayed, either way. */
  public static final int MAX_WEBSOCKET_FRAME = 16 * 1024 * 1024;

  /**
   * Largest piece a body is decoded into, either way: as large as one socket read, so that a read is relayed
   * as one write (with Netty's default of 8 KiB a 64 KiB read left as eight system calls instead of one).
   */
  public static final int MAX_BODY_CHUNK = 64 * 1024;

  /** Longest an upstream connection stays idle in the pool. */
  static final long KEEP_ALIVE_MS = 30_000;

  /** Where connections go: what idle connections are kept by. */
  record Origin(String host, int port) {}

  private final EventLoop eventLoop;
  private final Bootstrap bootstrap;
  private final long tickMs;
  private final int ticksPerTimeout;
  private final int maxIdlePerOrigin;
  private final Map<Origin, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();
  private boolean closed;

  public UpstreamPool(VertxInternal vertx, EventLoop eventLoop, GatewayConfig config) {
    this.eventLoop = eventLoop;
    this.maxIdlePerOrigin = config.sandboxMaxConnections();
    long idleMs = Math.max(1, config.upstreamIdleTimeout().toMillis());
    // One clock per connection: it ticks when nothing moved either way for tickMs; an exchange times out after
    // ticksPerTimeout ticks in a row, an idle pooled connection closes at its first.
    this.ticksPerTimeout = (int) Math.max(1, (idleMs + KEEP_ALIVE_MS - 1) / KEEP_ALIVE_MS);
    this.tickMs = Math.max(1, idleMs / ticksPerTimeout);
    this.bootstrap = new Bootstrap()
        .group(eventLoop)
        .channelFactory(vertx.transport().channelFactory(false))
        .resolver(vertx.nameResolver().nettyAddressResolverGroup())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.upstreamConnectTimeout().toMillis())
        .option(ChannelOption.TCP_NODELAY, true);
  }

  /** How a response from upstream is decoded: heads up to 64 KiB, bodies in pieces of up to one socket read. */
  static HttpDecoderConfig decoderConfig() {
    return new HttpDecoderConfig()
        .setMaxInitialLineLength(8192)
        .setMaxHeaderSize(64 * 1024)
        .setMaxChunkSize(MAX_BODY_CHUNK);
  }

  /** What waits for a connection. */
  interface Waiter {
    /** @param reused whether the connection carried an exchange before (it may have been closed meanwhile) */
    void connected(UpstreamConnection connection, boolean reused);

    void connectFailed(Throwable cause);
  }

  /** Hands {@code waiter} an idle connection to {@code upstream}'s address, or a new one, on this pool's loop. */
  void acquire(Upstream upstream, Waiter waiter) {
    if (!eventLoop.inEventLoop()) {
      eventLoop.execute(() -> acquire(upstream, waiter));
      return;
    }
    ArrayDeque<UpstreamConnection> connections = idle.get(new Origin(upstream.ip(), upstream.port()));
    while (connections != null && !connections.isEmpty()) {
      UpstreamConnection connection = connections.pollLast();
      if (connection.channel().isActive()) {
        waiter.connected(connection, true);
        return;
      }
    }
    connect(upstream, waiter);
  }

  /** Opens a new connection to {@code upstream}'s address. */
  void connect(Upstream upstream, Waiter waiter) {
    Origin origin = new Origin(upstream.ip(), upstream.port());
    ChannelFuture connect = bootstrap.clone()
        .handler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel channel) {
            ResponseDecoder decoder = new ResponseDecoder(decoderConfig());
            channel.pipeline().addLast(
                new IdleClock(Duration.ofMillis(tickMs)),
                new HttpRequestEncoder(),
                decoder,
                new UpstreamConnection(UpstreamPool.this, origin, decoder, ticksPerTimeout));
          }
        })
        .connect(InetSocketAddress.createUnresolved(upstream.ip(), upstream.port()));
    connect.addListener(f -> {
      if (f.isSuccess()) {
        waiter.connected(connect.channel().pipeline().get(UpstreamConnection.class), false);
      } else {
        waiter.connectFailed(f.cause());
      }
    });
  }

  /** Takes back a connection whose exchange completed and left it reusable. */
  void release(UpstreamConnection connection) {
    if (closed || !connection.channel().isActive()) {
      connection.channel().close();
      return;
    }
    ArrayDeque<UpstreamConnection> connections = idle.computeIfAbsent(connection.origin(), o -> new ArrayDeque<>());
    if (connections.size() >= maxIdlePerOrigin) {
      connection.channel().close();
      return;
    }
    connections.addLast(connection);
  }

  /** Forgets a connection that closed. */
  void closed(UpstreamConnection connection) {
    ArrayDeque<UpstreamConnection> connections = idle.get(connection.origin());
    if (connections != null) {
      connections.remove(connection);
      if (connections.isEmpty()) {
        idle.remove(connection.origin());
      }
    }
  }

  /** Closes the idle connections; those still carrying an exchange close when it ends. */
  public void close() {
    eventLoop.execute(() -> {
      closed = true;
      List<UpstreamConnection> all = new ArrayList<>();
      idle.values().forEach(all::addAll);
      idle.clear();
      all.forEach(connection -> connection.channel().close());
    });
  }
}
