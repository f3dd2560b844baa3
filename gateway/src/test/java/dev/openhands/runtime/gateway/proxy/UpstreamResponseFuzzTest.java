package dev.openhands.runtime.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.MultiMap;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes the handling of what a sandbox answers (the code in it is hostile): the upstream decoder the gateway's
 * connections use, then the response rules of rows 12 and 13 into a validating header map like the one a response
 * to the client writes from. Whatever the bytes, nothing throws but a refused header value (which the exchange turns
 * into a 502); no hop-by-hop header, nor one the answer's {@code Connection} names, reaches the client; no value
 * carries a line break (response splitting); the four security headers are there; after a HEAD, no body byte
 * follows a final answer; and a chunked body's trailer fields are never refused by the client's response and none of them frames,
 * routes or sets state.
 *
 * <p>The first input byte says whether the request was a HEAD; the rest is what the sandbox sent. {@code mvn test}
 * runs the seeds under {@code UpstreamResponseFuzzTestInputs/}; {@code JAZZER_FUZZ=1 ./mvnw -pl gateway test
 * -Dtest=UpstreamResponseFuzzTest -Djazzer.max_duration=5m} fuzzes for real.
 */
class UpstreamResponseFuzzTest {

  private static final List<String> HOP_BY_HOP = List.of("Connection", "Keep-Alive", "Proxy-Connection",
      "Proxy-Authenticate", "Proxy-Authorization", "TE", "Transfer-Encoding", "Upgrade");
  private static final List<String> SECURITY_HEADERS = List.of("X-Frame-Options", "X-Content-Type-Options",
      "Referrer-Policy", "Content-Security-Policy");
  private static final List<String> NOT_IN_TRAILERS = List.of("Content-Length", "Transfer-Encoding", "Set-Cookie",
      "Host", "Authorization", "Connection", "Upgrade", "Trailer");
  private static final Upstream SANDBOX = new Upstream("127.0.0.1", 8000, "/", true);

  @FuzzTest(maxDuration = "30s")
  void sandboxAnswers_reachTheClientOnlyThroughTheRules(byte[] input) {
    if (input.length == 0) {
      return;
    }
    boolean head = (input[0] & 1) == 1;
    ResponseDecoder decoder = new ResponseDecoder(UpstreamPool.decoderConfig());
    decoder.answering(head);
    EmbeddedChannel channel = new EmbeddedChannel(decoder);
    try {
      channel.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(input, 1, input.length)));
      boolean afterFinalHeadOfHead = false;
      for (Object message; (message = channel.readInbound()) != null; ) {
        try {
          if (message instanceof HttpResponse response && response.decoderResult().isSuccess()) {
            afterFinalHeadOfHead = head && response.status().code() >= 200;
            checkRules(response, input);
          } else if (message instanceof HttpContent content) {
            if (afterFinalHeadOfHead) {
              assertFalse(content.content().isReadable(), () -> "a body after a HEAD's answer: " + printable(input));
            }
            if (content instanceof LastHttpContent last && last.decoderResult().isSuccess()) {
              checkTrailerRules(last, input);
            }
          }
        } finally {
          ReferenceCountUtil.release(message);
        }
      }
    } finally {
      channel.finishAndReleaseAll();
    }
  }

  private static void checkRules(HttpResponse response, byte[] input) {
    MultiMap out = HeadersMultiMap.httpHeaders();
    try {
      ForwardedHeaders.copyResponseHeaders(response.headers(), out);
    } catch (IllegalArgumentException refused) {
      return; // the exchange answers 502 instead
    }
    SANDBOX.applyResponseRules(out);
    for (String name : HOP_BY_HOP) {
      assertFalse(out.contains(name), () -> name + " reached the client: " + printable(input));
    }
    for (String listed : response.headers().getAll("Connection")) {
      for (String token : listed.split(",")) {
        String name = token.trim();
        if (!name.isEmpty() && SECURITY_HEADERS.stream().noneMatch(name::equalsIgnoreCase)) {
          assertFalse(out.contains(name), () -> name + ", named in Connection, reached the client: "
              + printable(input));
        }
      }
    }
    for (Map.Entry<String, String> header : out) {
      assertFalse(header.getValue().indexOf('\r') >= 0 || header.getValue().indexOf('\n') >= 0,
          () -> "a line break in " + header.getKey() + ": " + printable(input));
    }
    for (String name : SECURITY_HEADERS) {
      assertNotNull(out.get(name), () -> name + " missing: " + printable(input));
    }
    assertEquals(out.getAll("Set-Cookie").size(), response.headers().getAll("Set-Cookie").size(),
        () -> "cookies lost or added: " + printable(input));
  }

  /** What the client's response gets of a chunked body's trailer fields: none that frames, routes or sets state. */
  private static void checkTrailerRules(LastHttpContent last, byte[] input) {
    // The decoder refuses every name and value the client's response would (it validates trailers too), so that
    // copying them into the response's trailers never throws out of the exchange's read.
    MultiMap out = HeadersMultiMap.httpHeaders();
    ForwardedHeaders.copyTrailers(last.trailingHeaders(), out);
    for (String name : NOT_IN_TRAILERS) {
      assertFalse(out.contains(name), () -> name + " passed as a trailer: " + printable(input));
    }
    for (Map.Entry<String, String> trailer : out) {
      assertFalse(trailer.getValue().indexOf('\r') >= 0 || trailer.getValue().indexOf('\n') >= 0,
          () -> "a line break in trailer " + trailer.getKey() + ": " + printable(input));
    }
  }

  private static String printable(byte[] input) {
    return new String(input, StandardCharsets.ISO_8859_1).replace("\r", "\\r").replace("\n", "\\n");
  }
}
