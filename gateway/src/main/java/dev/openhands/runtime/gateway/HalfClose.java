package dev.openhands.runtime.gateway;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.impl.HttpServerConnection;

/**
 * A client's half-close, kept: a client may close its sending side once its requests are out and still read the
 * answers (RFC 9112, section 9.6; {@code curl} does after an upload, so do scripts that pipe a request to a socket).
 * Netty would close the whole connection on the client's FIN, and the answers in flight would be lost. Here the
 * connection stays open for writing until the answers to every request read so far are written, then closes; a FIN
 * on a connection with nothing in flight closes it at once, as before.
 *
 * <p>A connection that switched to WebSocket ({@code 101}) leaves this handler: a FIN there ends the relay as it
 * always did.
 */
final class HalfClose extends ChannelDuplexHandler {

  /** Requests read whose final answer is not written yet. */
  private int unanswered;
  private boolean inputShut;

  private HalfClose() {}

  /** Keeps half-closed connections open for their answers; call from the server's connection handler. */
  static void install(HttpConnection connection) {
    if (connection instanceof HttpServerConnection internal) {
      ChannelHandlerContext context = internal.channelHandlerContext();
      context.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
      // After the encoder, so that the answers pass by as HTTP messages, not bytes.
      context.pipeline().addAfter("httpEncoder", "halfClose", new HalfClose());
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      unanswered++;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse head && head.status().code() == 101) {
      ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
      ctx.write(msg, promise);
      ctx.pipeline().remove(this);
      return;
    }
    boolean interim = msg instanceof HttpResponse head && head.status().code() < 200;
    if (!(msg instanceof LastHttpContent) || interim) {
      ctx.write(msg, promise);
      return;
    }
    unanswered--;
    if (inputShut && unanswered <= 0) {
      ctx.write(msg, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.write(msg, promise);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      inputShut = true;
      if (unanswered <= 0) {
        ctx.close();
      }
    }
    ctx.fireUserEventTriggered(evt);
  }
}
