package dev.openhands.runtime.gateway.proxy;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Ticker;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerConnection;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection's idle clock: when nothing was read and nothing flushed for {@code period}, the handlers after it get
 * an {@link IdleStateEvent} of the all-idle kind, first and then again each further period that stays quiet, as
 * Netty's {@link IdleStateHandler} sends them. What it saves is that handler's cost per write: to stamp a write's
 * completion, it turns every write's void promise into a new promise with a listener. Here a read batch and a flush
 * stamp the time as they pass (a flush is where writes leave for the socket, and a client that stops reading stops
 * the flushes, since the relay stops reading the other side), and one timer per connection re-arms itself for the
 * time left.
 */
public final class IdleClock extends ChannelDuplexHandler {

  private final long periodNanos;
  private ChannelHandlerContext context;
  private Ticker ticker;
  private ScheduledFuture<?> check;
  private boolean reading;
  private long lastActivity;
  /** The {@link #lastActivity} an event was sent for: the next event for it is not the first. */
  private long reportedActivity = Long.MIN_VALUE;

  public IdleClock(Duration period) {
    this.periodNanos = Math.max(1, period.toNanos());
  }

  /**
   * Puts a clock of the options' idle timeout where Vert.x put its {@link IdleStateHandler} on a server connection,
   * so that Vert.x's handler still gets the event it closes the connection on (only for an all-idle limit, the one
   * the gateway sets); call from the server's connection handler.
   */
  public static void install(HttpConnection connection, HttpServerOptions options) {
    if (connection instanceof HttpServerConnection internal && options.getIdleTimeout() > 0
        && options.getReadIdleTimeout() <= 0 && options.getWriteIdleTimeout() <= 0
        && internal.channelHandlerContext().pipeline().get(IdleStateHandler.class) != null) {
      Duration period = Duration.ofNanos(options.getIdleTimeoutUnit().toNanos(options.getIdleTimeout()));
      internal.channelHandlerContext().pipeline().replace(IdleStateHandler.class, "idle", new IdleClock(period));
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    context = ctx;
    ticker = ctx.executor().ticker();
    if (ctx.channel().isActive()) {
      start();
    }
  }

  /** The clock starts once the connection is up, not while it connects (the connect has its own timeout). */
  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (check == null) {
      start();
    }
    ctx.fireChannelActive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    stop();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (reading) {
      reading = false;
      lastActivity = ticker.nanoTime();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    lastActivity = ticker.nanoTime();
    ctx.flush();
  }

  private void start() {
    lastActivity = ticker.nanoTime();
    schedule(periodNanos);
  }

  private void schedule(long delayNanos) {
    check = context.executor().schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
  }

  private void check() {
    if (check == null || !context.channel().isOpen()) {
      return;
    }
    long quiet = ticker.nanoTime() - lastActivity;
    if (reading || quiet < periodNanos) {
      schedule(reading ? periodNanos : periodNanos - quiet);
      return;
    }
    boolean first = lastActivity != reportedActivity;
    reportedActivity = lastActivity;
    schedule(periodNanos);
    context.fireUserEventTriggered(first ? IdleStateEvent.FIRST_ALL_IDLE_STATE_EVENT
        : IdleStateEvent.ALL_IDLE_STATE_EVENT);
  }

  private void stop() {
    if (check != null) {
      check.cancel(false);
      check = null;
    }
  }
}
