package dev.openhands.runtime.gateway.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.net.impl.ShutdownEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Relays frames between the client's WebSocket channel and the upstream's (behaviour table row 10), as two mirrored
 * {@link Side}s in the channels' pipelines, after both handshakes. A data frame read on one side is written to the
 * other as it was decoded (text stays text, fragments stay fragments, no copy), and the writes of one read are
 * flushed once. A side stops reading while the other's socket buffer is full, and reads again when it drains. Pings
 * are answered on their own leg; a close is answered on its leg and passed to the other with its code and reason.
 * When no data frame has crossed either way for {@code idleTimeout}, both sides get 1001.
 *
 * <p>Nothing of Vert.x stays attached to a relayed socket: an idle proxied WebSocket costs two Netty channels and
 * this relay.
 *
 * <p>A close handshake cannot finish while a peer reads nothing (the close frame waits behind a full socket
 * buffer), so every close the relay starts is followed by a hard close of whatever is still open after
 * {@link #CLOSE_GRACE_MS}.
 *
 * <p>Both channels live on one event loop: every method runs there, so the fields need no synchronisation.
 */
public final class WebSocketRelay {

  /** Close code sent on idle timeout and drain: "going away". */
  public static final short GOING_AWAY = 1001;

  /** Time a side gets to finish its close handshake before its connection is closed outright. */
  static final long CLOSE_GRACE_MS = 2000;

  private final EventLoop eventLoop;
  private final long idleTimeoutNanos;
  private final Runnable onDataFrame;
  private final Promise<Void> done = Promise.promise();
  private final Side client = new Side("client");
  private final Side upstream = new Side("upstream");
  private long lastFrameAt;
  private ScheduledFuture<?> idleCheck;
  private boolean started;
  private boolean closing;

  /**
   * @param eventLoop the event loop of both channels
   * @param onDataFrame called for each data frame relayed either way (activity tracking); must be cheap
   */
  WebSocketRelay(EventLoop eventLoop, long idleTimeoutMs, Runnable onDataFrame) {
    this.eventLoop = eventLoop;
    this.idleTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs);
    this.onDataFrame = onDataFrame;
    client.peer = upstream;
    upstream.peer = client;
  }

  /** The handler for the client's channel: it holds what it reads until {@link #start}. */
  Side clientSide() {
    return client;
  }

  /** The handler for the upstream's channel: it holds what it reads until {@link #start}. */
  Side upstreamSide() {
    return upstream;
  }

  /** Starts relaying, once both sides are in their channels' pipelines: frames held so far go first. */
  void start() {
    started = true;
    lastFrameAt = System.nanoTime();
    scheduleIdleCheck(idleTimeoutNanos);
    client.releaseHeld();
    upstream.releaseHeld();
    client.channel.config().setAutoRead(true);
    upstream.channel.config().setAutoRead(true);
  }

  /** Completes when both sides are closed. */
  public Future<Void> done() {
    return done.future();
  }

  /** Closes both sides with {@code code} and {@code reason}, as on drain; any thread. */
  public void close(short code, String reason) {
    eventLoop.execute(() -> closeBoth(code, reason));
  }

  private void closeBoth(int code, String reason) {
    if (closing) {
      return;
    }
    closing = true;
    client.sendClose(code, reason);
    upstream.sendClose(code, reason);
  }

  private void scheduleIdleCheck(long delayNanos) {
    idleCheck = eventLoop.schedule(() -> {
      long idle = System.nanoTime() - lastFrameAt;
      if (idle >= idleTimeoutNanos) {
        closeBoth(GOING_AWAY, "idle timeout");
      } else {
        scheduleIdleCheck(idleTimeoutNanos - idle);
      }
    }, Math.max(1, delayNanos), TimeUnit.NANOSECONDS);
  }

  private void sideClosed() {
    if (!client.open() && !upstream.open()) {
      if (idleCheck != null) {
        idleCheck.cancel(false);
      }
      done.tryComplete();
    }
  }

  /** One leg of the relay: a handler at the end of that leg's pipeline, after the WebSocket frame codec. */
  final class Side extends ChannelInboundHandlerAdapter {

    private final String name;
    private Side peer;
    private Channel channel;
    private List<WebSocketFrame> held;
    private boolean flushPeer;
    private boolean closeSent;
    private boolean inactive;

    private Side(String name) {
      this.name = name;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      channel = ctx.channel();
      if (!channel.isActive()) {
        inactive = true;
      }
    }

    boolean open() {
      return !inactive;
    }

    /** Closes this leg's connection at once (its peer never got a WebSocket). */
    void closeNow() {
      channel.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof WebSocketFrame frame)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (!started) {
        if (held == null) {
          held = new ArrayList<>(2);
        }
        held.add(frame);
        return;
      }
      relay(frame);
    }

    private void releaseHeld() {
      if (held != null) {
        List<WebSocketFrame> frames = held;
        held = null;
        frames.forEach(this::relay);
        flushPeerIfWritten();
      }
      if (inactive) {
        passCloseTo(peer, null, null);
        sideClosed();
      }
    }

    private void relay(WebSocketFrame frame) {
      if (frame instanceof PingWebSocketFrame) {
        channel.writeAndFlush(new PongWebSocketFrame(frame.content()));
      } else if (frame instanceof PongWebSocketFrame) {
        frame.release();
      } else if (frame instanceof CloseWebSocketFrame close) {
        closeReceived(close);
      } else if (peer.closeSent || peer.inactive) {
        frame.release();
      } else {
        lastFrameAt = System.nanoTime();
        onDataFrame.run();
        peer.channel.write(frame);
        flushPeer = true;
        if (!peer.channel.isWritable()) {
          channel.config().setAutoRead(false);
        }
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      flushPeerIfWritten();
    }

    private void flushPeerIfWritten() {
      if (flushPeer) {
        flushPeer = false;
        peer.channel.flush();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (channel.isWritable() && started) {
        peer.channel.config().setAutoRead(true);
      }
    }

    /** The peer on this leg closes: its close is answered here and passed to the other leg. */
    private void closeReceived(CloseWebSocketFrame close) {
      int code = close.statusCode();
      String reason = close.reasonText();
      close.release();
      if (!closeSent) {
        closeSent = true;
        channel.writeAndFlush(code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, reason))
            .addListener(ChannelFutureListener.CLOSE);
      } else {
        channel.close();
      }
      passCloseTo(peer, code < 0 ? null : code, reason);
    }

    /**
     * Passes a close to {@code other}: its code and reason, or 1000 (what a close without a code, or a connection
     * gone without a close, becomes).
     */
    private void passCloseTo(Side other, Integer code, String reason) {
      if (code == null || !WebSocketCloseStatus.isValidStatusCode(code)) {
        other.sendClose(WebSocketCloseStatus.NORMAL_CLOSURE.code(), null);
      } else {
        other.sendClose(code, reason);
      }
    }

    /** Starts this leg's close handshake; the connection is closed outright if it has not ended after the grace. */
    private void sendClose(int code, String reason) {
      if (closeSent || inactive) {
        return;
      }
      closeSent = true;
      channel.writeAndFlush(new CloseWebSocketFrame(code, reason));
      eventLoop.schedule(() -> {
        channel.close();
      }, CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      inactive = true;
      if (held != null) {
        held.forEach(ReferenceCountUtil::release);
        held = null;
      }
      if (started) {
        passCloseTo(peer, null, null);
        sideClosed();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      closeBoth(GOING_AWAY, name + " error");
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
      if (event instanceof ShutdownEvent) {
        closeBoth(GOING_AWAY, "going away");
      } else if (event instanceof IdleStateEvent) {
        channel.close();
      }
      ReferenceCountUtil.release(event);
    }
  }
}
