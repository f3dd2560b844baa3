package dev.openhands.runtime.gateway.proxy;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketBase;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.http.WebSocketFrameType;
import io.vertx.core.internal.http.WebSocketInternal;
import java.time.Duration;

/**
 * Relays frames between the client's WebSocket and the upstream's (behaviour table row 10), as two
 * mirrored halves. Each half reads frames from one side and writes them to the other in order, keeping
 * the frame type (text stays text, fragments stay fragments); it pauses its reader while the writer's
 * queue is full and resumes on drain. A close on either side is passed to the other with its code and
 * reason. When no data frame has crossed either way for {@code idleTimeout}, both sides get 1001.
 *
 * <p>A close handshake cannot finish while a peer reads nothing (the close frame waits behind a full
 * socket buffer, and Vert.x starts its closing timeout only once the frame is written), so every close
 * the relay starts is followed by a hard close of whatever is still open after {@link #CLOSE_GRACE_MS}.
 *
 * <p>Everything runs on the client connection's event loop; the upstream socket is opened from it, so
 * its handlers run there too and the fields need no synchronisation.
 */
public final class WebSocketRelay {

  /** Close code sent on idle timeout and drain: "going away". */
  public static final short GOING_AWAY = 1001;

  /** Time a side gets to finish its close handshake before its connection is closed outright. */
  static final long CLOSE_GRACE_MS = 2000;

  private final Vertx vertx;
  private final WebSocketBase client;
  private final WebSocketBase upstream;
  private final long idleTimeoutMs;
  private final Runnable onDataFrame;
  private final Promise<Void> done = Promise.promise();
  private long lastFrameAt;
  private long idleTimer = -1;
  private boolean closing;

  private WebSocketRelay(Vertx vertx, WebSocketBase client, WebSocketBase upstream, Duration idleTimeout,
      Runnable onDataFrame) {
    this.vertx = vertx;
    this.onDataFrame = onDataFrame;
    this.client = client;
    this.upstream = upstream;
    this.idleTimeoutMs = idleTimeout.toMillis();
  }

  /**
   * Starts relaying between two open WebSockets.
   *
   * @param onDataFrame called for each data frame relayed either way (activity tracking); must be cheap
   */
  public static WebSocketRelay start(Vertx vertx, WebSocketBase client, WebSocketBase upstream,
      Duration idleTimeout, Runnable onDataFrame) {
    WebSocketRelay relay = new WebSocketRelay(vertx, client, upstream, idleTimeout, onDataFrame);
    relay.half(client, upstream);
    relay.half(upstream, client);
    relay.lastFrameAt = System.nanoTime();
    relay.scheduleIdleCheck(relay.idleTimeoutMs);
    client.resume();
    upstream.resume();
    return relay;
  }

  /** Completes when both sides are closed. */
  public Future<Void> done() {
    return done.future();
  }

  /** Closes both sides with {@code code} and {@code reason}, as on drain. */
  public void close(short code, String reason) {
    closeBoth(code, reason);
  }

  private void half(WebSocketBase from, WebSocketBase to) {
    from.frameHandler(frame -> relayFrame(frame, from, to));
    from.closeHandler(v -> passClose(from, to));
    from.exceptionHandler(err -> closeBoth(GOING_AWAY, "upstream error"));
  }

  private void relayFrame(WebSocketFrame frame, WebSocketBase from, WebSocketBase to) {
    WebSocketFrame copy = dataFrameCopy(frame);
    if (copy == null || to.isClosed()) {
      return;
    }
    lastFrameAt = System.nanoTime();
    onDataFrame.run();
    to.writeFrame(copy);
    if (to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> from.resume());
    }
  }

  /** A copy of a data frame for the other side, or {@code null} for control frames (Vert.x answers pings). */
  private static WebSocketFrame dataFrameCopy(WebSocketFrame frame) {
    WebSocketFrameType type = frame.type();
    Buffer data = frame.binaryData();
    return switch (type) {
      case TEXT -> WebSocketFrame.textFrame(frame.textData(), frame.isFinal());
      case BINARY -> WebSocketFrame.binaryFrame(data, frame.isFinal());
      case CONTINUATION -> WebSocketFrame.continuationFrame(data, frame.isFinal());
      default -> null;
    };
  }

  private void passClose(WebSocketBase from, WebSocketBase to) {
    if (!to.isClosed()) {
      Short code = from.closeStatusCode();
      if (code == null || code == 1005 || code == 1006 || code == 1015) {
        to.close();
      } else {
        to.close(code, from.closeReason());
      }
      closeHardAfterGrace(to);
    }
    if (client.isClosed() && upstream.isClosed()) {
      finish();
    }
  }

  private void closeBoth(short code, String reason) {
    if (closing) {
      return;
    }
    closing = true;
    if (!client.isClosed()) {
      client.close(code, reason);
      closeHardAfterGrace(client);
    }
    if (!upstream.isClosed()) {
      upstream.close(code, reason);
      closeHardAfterGrace(upstream);
    }
  }

  private void closeHardAfterGrace(WebSocketBase socket) {
    vertx.setTimer(CLOSE_GRACE_MS, id -> {
      if (!socket.isClosed() && socket instanceof WebSocketInternal internal) {
        internal.channelHandlerContext().close();
      }
    });
  }

  private void scheduleIdleCheck(long delayMs) {
    idleTimer = vertx.setTimer(Math.max(1, delayMs), id -> {
      long idleMs = (System.nanoTime() - lastFrameAt) / 1_000_000;
      if (client.isClosed() || upstream.isClosed()) {
        return;
      }
      if (idleMs >= idleTimeoutMs) {
        closeBoth(GOING_AWAY, "idle timeout");
      } else {
        scheduleIdleCheck(idleTimeoutMs - idleMs);
      }
    });
  }

  private void finish() {
    if (idleTimer >= 0) {
      vertx.cancelTimer(idleTimer);
    }
    done.tryComplete();
  }
}
