package dev.openhands.runtime.gateway.proxy;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;

/**
 * Netty's response decoder, told whether the request it answers was a HEAD: one request at a time goes out on an
 * upstream connection, so the method is known here, and an interim {@code 103} before the final answer cannot put
 * the decoder out of step (Netty's client codec pairs every response, interim ones included, with a request).
 */
final class ResponseDecoder extends HttpResponseDecoder {

  private boolean answersHead;

  ResponseDecoder(HttpDecoderConfig config) {
    super(config);
  }

  void answering(boolean head) {
    this.answersHead = head;
  }

  @Override
  protected boolean isContentAlwaysEmpty(HttpMessage message) {
    boolean finalAnswer = ((HttpResponse) message).status().code() >= 200;
    return (answersHead && finalAnswer) || super.isContentAlwaysEmpty(message);
  }
}
