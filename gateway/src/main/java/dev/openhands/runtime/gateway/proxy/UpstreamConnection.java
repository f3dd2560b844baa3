package dev.openhands.runtime.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * One HTTP/1.1 connection to an upstream, at the end of its pipeline: it carries one exchange at a time, hands it
 * what the decoder reads, and goes back to its {@link UpstreamPool} when an exchange leaves it reusable. Its idle
 * clock is the connection's: no timer per request. Anything the upstream sends while no exchange is waiting (a
 * second answer, bytes on an idle connection) closes it: a response is never taken for the next request's.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {

  /** What an exchange on this connection is told, always on the connection's event loop. */
  interface Exchange {
    /** A decoded part of the response; the exchange owns it (and releases it). */
    void received(HttpObject message);

    /** The end of one read from the socket: what was received so far may go on. */
    void readComplete();

    /** The connection takes writes again after it had too many queued. */
    void writable();

    /** Nothing moved either way for the exchange idle limit. */
    void timedOut();

    /** The connection closed before the exchange ended; {@code cause} is the error that closed it, if any. */
    void closed(Throwable cause);
  }

  private final UpstreamPool pool;
  private final UpstreamPool.Origin origin;
  private final ResponseDecoder decoder;
  private final int ticksPerTimeout;
  private Channel channel;
  private Exchange exchange;
  private boolean reading;
  private boolean releaseAfterRead;
  private int idleTicks;
  private Throwable failure;

  UpstreamConnection(UpstreamPool pool, UpstreamPool.Origin origin, ResponseDecoder decoder, int ticksPerTimeout) {
    this.pool = pool;
    this.origin = origin;
    this.decoder = decoder;
    this.ticksPerTimeout = ticksPerTimeout;
  }

  Channel channel() {
    return channel;
  }

  UpstreamPool.Origin origin() {
    return origin;
  }

  /** Starts carrying {@code exchange}, whose request is a HEAD when {@code head}. */
  void begin(Exchange exchange, boolean head) {
    this.exchange = exchange;
    decoder.answering(head);
  }

  /**
   * The exchange is over: a reusable connection goes back to the pool once the read in progress is done (so that
   * the rest of that read cannot reach the next exchange), any other closes.
   */
  void end(boolean reusable) {
    exchange = null;
    if (!reusable) {
      channel.close();
    } else if (reading) {
      releaseAfterRead = true;
    } else {
      pool.release(this);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object message) {
    reading = true;
    if (exchange != null && message instanceof HttpObject httpObject) {
      exchange.received(httpObject);
    } else {
      ReferenceCountUtil.release(message);
      releaseAfterRead = false;
      ctx.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    reading = false;
    if (releaseAfterRead) {
      releaseAfterRead = false;
      pool.release(this);
    } else if (exchange != null) {
      exchange.readComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null && channel.isWritable()) {
      exchange.writable();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
    if (!(event instanceof IdleStateEvent idle)) {
      ctx.fireUserEventTriggered(event);
      return;
    }
    idleTicks = idle.isFirst() ? 1 : idleTicks + 1;
    if (exchange == null) {
      ctx.close();
    } else if (idleTicks >= ticksPerTimeout) {
      exchange.timedOut();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    failure = cause;
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    pool.closed(this);
    releaseAfterRead = false;
    Exchange open = exchange;
    exchange = null;
    if (open != null) {
      open.closed(failure);
    }
  }
}
