package dev.openhands.runtime.gateway.security;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.AsciiString;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerConnection;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Vert.x's request decoder with the checks of behaviour table row 14 that Netty's decoder does not make
 * itself: it holds each request head until it is complete, then refuses it when a field name is not a token
 * or a value holds a control character, when a Transfer-Encoding is anything but one {@code chunked}, when a
 * header line is folded
 * (obs-fold, a line starting with a space or tab: RFC 9112 section 5.2 lets a server reject it, and
 * Netty would silently join it to the previous header, which a proxy behind us may read differently),
 * when a line ends in a bare LF, or when it has more than {@link #MAX_HEADER_FIELDS} fields (431). A head
 * that takes longer than {@code headTimeout} to arrive (slowloris) closes the connection. Refusals go
 * through Vert.x's invalid-request path: 400 or 431, connection closed, nothing reaches the handler.
 *
 * <p>Netty itself refuses Content-Length with Transfer-Encoding, two Content-Lengths, unknown transfer
 * codings, bad chunk sizes, and over-long request lines (414) and header sections (431).
 */
public final class RequestHeadGuard extends VertxHttpRequestDecoder {

  /** Most header fields a request may carry. */
  public static final int MAX_HEADER_FIELDS = 100;

  private final int maxHeadBytes;
  private final long headTimeoutNanos;
  private boolean atMessageStart = true;
  private boolean refused;
  /** Bytes from the reader index already searched for the end of the head (nothing is consumed meanwhile). */
  private int headBytesSearched;
  private ScheduledFuture<?> headTimer;

  RequestHeadGuard(HttpServerOptions options, Duration headTimeout) {
    super(options);
    this.maxHeadBytes = options.getMaxInitialLineLength() + options.getMaxHeaderSize() + 4;
    this.headTimeoutNanos = headTimeout.toNanos();
  }

  /** Puts the guard in place of the connection's request decoder; call from the server's connection handler. */
  public static void install(HttpConnection connection, HttpServerOptions options, Duration headTimeout) {
    if (connection instanceof HttpServerConnection internal) {
      internal.channelHandlerContext().pipeline()
          .replace("httpDecoder", "httpDecoder", new RequestHeadGuard(options, headTimeout));
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (refused) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (atMessageStart) {
      skipEmptyLines(in);
    }
    if (atMessageStart && in.isReadable()) {
      int headEnd = headEnd(in, headBytesSearched);
      if (headEnd < 0 && in.readableBytes() <= maxHeadBytes) {
        headBytesSearched = in.readableBytes();
        startHeadTimer(ctx);
        return;
      }
      headBytesSearched = 0;
      cancelHeadTimer();
      if (headEnd >= 0) {
        String problem = RequestHeadRules.problemInHead(in, headEnd);
        if (problem != null) {
          refuse(in, out, problem);
          return;
        }
      }
    }
    int before = out.size();
    super.decode(ctx, in, out);
    for (int i = before; i < out.size(); i++) {
      Object message = out.get(i);
      if (message instanceof HttpRequest) {
        atMessageStart = false;
      }
      if (message instanceof LastHttpContent) {
        atMessageStart = true;
      }
    }
  }

  /**
   * The header name as sent. Vert.x's decoder (5.0.10) interns a few common names by comparing their bytes in
   * blocks, and its comparison skips the first letter after {@code Content-}: {@code Content-Xength} was read as
   * {@code Content-Length} and framed the body, while every reader before us (the load balancer) sees an unknown
   * header, which is request smuggling. A name it interns is kept only when it is the name that was sent.
   */
  @Override
  protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
    AsciiString interned = super.splitHeaderName(sb, start, length);
    if (interned.length() == length) {
      boolean same = true;
      for (int i = 0; i < length && same; i++) {
        same = AsciiString.toLowerCase((char) (sb[start + i] & 0xff)) == AsciiString.toLowerCase(interned.charAt(i));
      }
      if (same) {
        return interned;
      }
    }
    return new AsciiString(sb, start, length, true);
  }

  @Override
  public void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
    cancelHeadTimer();
    super.handlerRemoved0(ctx);
  }

  /**
   * Drops the empty lines (CRLF) a request may be preceded by (RFC 9112 section 2.2), so that the head checked
   * below is the one Netty reads: otherwise a leading CRLF would pass for a complete, empty head.
   */
  private void skipEmptyLines(ByteBuf in) {
    int skipped = 0;
    while (in.readableBytes() >= 2 && in.getByte(in.readerIndex()) == '\r'
        && in.getByte(in.readerIndex() + 1) == '\n') {
      in.skipBytes(2);
      skipped += 2;
    }
    headBytesSearched = Math.max(0, headBytesSearched - skipped);
  }

  /**
   * Index just past the blank line ending the head, or -1 when the head is not complete yet. A blank line
   * ends in LF, with or without CR (a bare LF is refused later, but must end the wait). The search resumes
   * where the previous one stopped, so a head that trickles in is searched once, not once per byte.
   */
  private static int headEnd(ByteBuf in, int alreadySearched) {
    int start = in.readerIndex();
    int end = in.writerIndex();
    for (int i = in.indexOf(start + Math.max(1, alreadySearched), end, (byte) '\n'); i >= 0;
        i = in.indexOf(i + 1, end, (byte) '\n')) {
      byte before = in.getByte(i - 1);
      if (before == '\n' || before == '\r' && i - 2 >= start && in.getByte(i - 2) == '\n') {
        return i + 1;
      }
    }
    return -1;
  }

  private void refuse(ByteBuf in, List<Object> out, String problem) {
    refused = true;
    in.skipBytes(in.readableBytes());
    DefaultFullHttpRequest invalid = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
    Exception cause = problem.startsWith("more than")
        ? new TooLongHttpHeaderException(problem)
        : new IllegalArgumentException(problem);
    invalid.setDecoderResult(DecoderResult.failure(cause));
    out.add(invalid);
  }

  private void startHeadTimer(ChannelHandlerContext ctx) {
    if (headTimer == null) {
      headTimer = ctx.executor().schedule(() -> {
        if (atMessageStart) {
          ctx.close();
        }
      }, headTimeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void cancelHeadTimer() {
    if (headTimer != null) {
      headTimer.cancel(false);
      headTimer = null;
    }
  }
}
