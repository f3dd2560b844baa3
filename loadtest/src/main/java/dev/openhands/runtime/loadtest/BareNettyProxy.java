package dev.openhands.runtime.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark reference, not a proxy to run: the least a Netty HTTP/1.1 proxy does. Each client connection gets
 * one upstream connection on the same event loop, and HTTP messages are relayed as Netty decodes them (no checks,
 * no header rules, no logs, no back-pressure: wrk reads as fast as it can). Beside the gateway and {@link BareVertxProxy} in one run it shows what the HTTP
 * codec and the transport alone cost, without Vert.x's request and response objects.
 * Listens on 127.0.0.1; prints {@code READY}; stops on SIGTERM or after {@code maxSeconds}.
 *
 * <p>Usage: {@code BareNettyProxy <port> <backendHost> <backendPort> [maxSeconds]}.
 */
public final class BareNettyProxy {

  private BareNettyProxy() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    InetSocketAddress backend = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
    long maxSeconds = args.length > 3 ? Long.parseLong(args[3]) : 1800;
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
        EpollIoHandler.newFactory());
    new ServerBootstrap().group(loops).channel(EpollServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.AUTO_READ, false)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel channel) {
            channel.pipeline().addLast(new HttpServerCodec(), new ClientSide(backend));
          }
        })
        .bind("127.0.0.1", port).sync();
    System.out.println("READY " + port);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
    stop.await(maxSeconds, TimeUnit.SECONDS);
    loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    System.exit(0);
  }

  /** Opens the upstream connection when a client connects, then relays what the client sends. */
  private static final class ClientSide extends ChannelInboundHandlerAdapter {
    private final InetSocketAddress backend;
    private Channel upstream;

    ClientSide(InetSocketAddress backend) {
      this.backend = backend;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel client = ctx.channel();
      new Bootstrap().group(client.eventLoop()).channel(EpollSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel channel) {
              channel.pipeline().addLast(new HttpClientCodec(), new UpstreamSide(client));
            }
          })
          .connect(backend).addListener((ChannelFutureListener) connected -> {
            if (connected.isSuccess()) {
              upstream = connected.channel();
              client.config().setAutoRead(true);
            } else {
              client.close();
            }
          });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      if (upstream == null) {
        ReferenceCountUtil.release(message);
        return;
      }
      upstream.write(message, upstream.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (upstream != null) {
        upstream.flush();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (upstream != null) {
        upstream.close();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Relays what the sandbox answers back to the client connection. */
  private static final class UpstreamSide extends ChannelInboundHandlerAdapter {
    private final Channel client;

    UpstreamSide(Channel client) {
      this.client = client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object message) {
      client.write(message, client.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      client.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      client.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
