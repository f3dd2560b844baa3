package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * One HTTP exchange between a client's request on the gateway's server and an {@link UpstreamConnection}: the
 * request head and body go out as they arrive, the response's decoded parts come back as they are read, each with
 * back-pressure (a paused request while the upstream socket is full, a connection that stops reading while the
 * client's is); what one read from the upstream brought leaves in as few writes as {@link ClientResponse} can make.
 * Everything runs on the client connection's event loop, which is the upstream connection's.
 */
final class RelayedExchange implements UpstreamPool.Waiter, UpstreamConnection.Exchange {

  private final UpstreamPool pool;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final ClientResponse answer;
  private final Upstream upstream;
  private final HttpHeaders headers;
  private final boolean head;
  private final boolean withoutBody;
  private final Promise<Void> done = Promise.promise();
  private UpstreamConnection connection;
  private boolean reused;
  private boolean started;
  private boolean retried;
  private boolean requestSent;
  private boolean requestPaused;
  private boolean readingPaused;
  private boolean answered;
  private boolean interim;
  private boolean keepAlive;
  private boolean over;

  RelayedExchange(UpstreamPool pool, HttpServerRequest request, Upstream upstream, HeadersMultiMap headers) {
    this.pool = pool;
    this.request = request;
    this.response = request.response();
    this.upstream = upstream;
    this.head = request.method() == HttpMethod.HEAD;
    this.answer = new ClientResponse(response, upstream, head);
    boolean chunked = request.headers().contains("Transfer-Encoding") && !headers.contains("Content-Length");
    if (chunked) {
      // The request keeps its framing: chunked when it arrived so, without a length to send.
      headers.set("Transfer-Encoding", "chunked");
    }
    this.withoutBody = !chunked && !headers.contains("Content-Length");
    this.headers = headers;
  }

  Future<Void> start() {
    pool.acquire(upstream, this);
    return done.future();
  }

  @Override
  public void connected(UpstreamConnection opened, boolean reusedConnection) {
    if (over) {
      opened.end(true);
      return;
    }
    connection = opened;
    reused = reusedConnection;
    opened.begin(this, head);
    Channel channel = opened.channel();
    channel.write(new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method().toNetty(), upstream.uri(), headers),
        channel.voidPromise());
    if (started) {
      // A retry: the request had no body and was read whole the first time.
      channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, channel.voidPromise());
      return;
    }
    started = true;
    response.closeHandler(v -> abort(new GatewayFailure(502, "the client closed the connection")));
    request.handler(this::sendBody).endHandler(v -> sendEnd()).exceptionHandler(this::requestBroke);
    request.resume();
    if (!requestSent && connection != null) {
      connection.channel().flush();
    }
  }

  @Override
  public void connectFailed(Throwable cause) {
    if (started) {
      abort(new GatewayFailure(502, "the upstream closed the connection before answering", cause));
    } else {
      // Nothing was sent and the request is untouched: the caller may try elsewhere (row 9).
      done.fail(new UpstreamConnectFailed(upstream.ip() + ":" + upstream.port(), cause));
    }
  }

  private void sendBody(Buffer chunk) {
    if (connection == null) {
      return; // the exchange is over for the upstream; what is left of the body is dropped
    }
    Channel channel = connection.channel();
    channel.writeAndFlush(new DefaultHttpContent(((BufferInternal) chunk).getByteBuf()), channel.voidPromise());
    if (!channel.isWritable()) {
      requestPaused = true;
      request.pause();
    }
  }

  private void sendEnd() {
    requestSent = true;
    if (connection != null) {
      connection.channel().writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, connection.channel().voidPromise());
    }
  }

  /** A body that broke midway (a bad chunk, a client gone): the upstream must never see a complete request. */
  private void requestBroke(Throwable cause) {
    abort(new GatewayFailure(400, "the request body was cut off", cause));
  }

  @Override
  public void writable() {
    if (requestPaused) {
      requestPaused = false;
      request.resume();
    }
  }

  @Override
  public void received(HttpObject message) {
    answered = true;
    if (over) {
      ReferenceCountUtil.release(message);
      return;
    }
    try {
      receivedPart(message);
    } catch (GatewayFailure failure) {
      abort(failure);
    }
  }

  private void receivedPart(HttpObject message) {
    if (message.decoderResult().isFailure()) {
      ReferenceCountUtil.release(message);
      answer.writeWhatCame(); // what came before the bad part goes on, then the client's connection is cut
      abort(new GatewayFailure(502, "the upstream sent an invalid response", message.decoderResult().cause()));
    } else if (message instanceof HttpResponse responseHead) {
      receivedHead(responseHead);
    } else if (interim) {
      interim = !(message instanceof LastHttpContent);
      ReferenceCountUtil.release(message);
    } else if (message instanceof LastHttpContent last) {
      endResponse(last);
    } else if (answer.add(((HttpContent) message).content())) {
      checkClientBackPressure();
    }
  }

  private void receivedHead(HttpResponse responseHead) {
    int status = responseHead.status().code();
    if (status >= 200) {
      answer.hold(responseHead);
      keepAlive = HttpUtil.isKeepAlive(responseHead);
      return;
    }
    interim = true;
    if (status == 101) {
      abort(new GatewayFailure(502, "the upstream switched protocols unasked"));
    } else if (status == 103) {
      // 100 Continue is the client connection's own exchange with the gateway's server; hints pass on.
      MultiMap hints = MultiMap.caseInsensitiveMultiMap();
      ForwardedHeaders.copyResponseHeaders(responseHead.headers(), hints);
      response.writeEarlyHints(hints);
    }
  }

  /** The client's connection is full: the upstream's stops reading until it drains. */
  private void checkClientBackPressure() {
    if (response.writeQueueFull()) {
      readingPaused = true;
      connection.channel().config().setAutoRead(false);
      response.drainHandler(v -> resumeReading());
    }
  }

  private void resumeReading() {
    if (readingPaused && connection != null) {
      readingPaused = false;
      connection.channel().config().setAutoRead(true);
    }
  }

  private void endResponse(LastHttpContent last) {
    ByteBuf data = answer.last(last);
    over = true;
    release(keepAlive && requestSent);
    answer.end(data);
    done.complete();
  }

  @Override
  public void readComplete() {
    if (over) {
      return;
    }
    try {
      if (answer.readComplete()) {
        checkClientBackPressure();
      }
    } catch (GatewayFailure failure) {
      abort(failure);
    }
  }

  @Override
  public void timedOut() {
    abort(new GatewayFailure(504, "the upstream did not answer in time"));
  }

  @Override
  public void closed(Throwable cause) {
    connection = null;
    if (!answered && reused && !retried && withoutBody && requestSent && isSafe(request.method())) {
      // A kept-alive connection the upstream closed as this request went out: it was not processed (RFC 9112,
      // section 9.3.1), and a request that changes nothing may go again, once, on a new connection.
      retried = true;
      pool.connect(upstream, this);
      return;
    }
    abort(new GatewayFailure(502, "the upstream closed the connection before answering", cause));
  }

  private static boolean isSafe(HttpMethod method) {
    return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
  }

  /**
   * Ends the exchange on a failure: the upstream connection closes, and the failure goes to the caller to answer
   * when the client has received nothing yet; else the client's connection is reset, so that a cut response is
   * never taken for a whole one.
   */
  private void abort(GatewayFailure failure) {
    if (over) {
      return;
    }
    over = true;
    release(false);
    answer.discard();
    if (requestPaused) {
      requestPaused = false;
      request.resume();
    }
    if (response.headWritten()) {
      response.reset();
    }
    done.fail(failure);
  }

  private void release(boolean reusable) {
    UpstreamConnection leaving = connection;
    connection = null;
    if (leaving != null) {
      if (readingPaused) {
        readingPaused = false;
        leaving.channel().config().setAutoRead(true);
      }
      leaving.end(reusable);
    }
  }
}
