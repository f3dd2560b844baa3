package dev.openhands.runtime.gateway.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fuzzes the request-head decoder (Netty's, behind {@link RequestHeadGuard}) against a strict reading of RFC 9112:
 * whenever the gateway accepts a head, it must see the same header fields, in the same order, and the same body
 * framing (a length, chunked, or none) as the strict grammar does. A disagreement on where a header or a body ends
 * is what request smuggling is made of; refusing more than the grammar does is allowed.
 *
 * <p>{@code mvn test} runs the seeds under {@code RequestHeadFuzzTestInputs/}; {@code JAZZER_FUZZ=1 ./mvnw -pl
 * gateway test -Dtest=RequestHeadFuzzTest -Djazzer.max_duration=5m} fuzzes for real.
 */
class RequestHeadFuzzTest {

  private static final HttpServerOptions OPTIONS = new HttpServerOptions()
      .setMaxInitialLineLength(8192).setMaxHeaderSize(20480);

  @FuzzTest(maxDuration = "30s")
  void acceptedHeads_areReadAsTheStrictGrammarReadsThem(byte[] input) {
    EmbeddedChannel channel = new EmbeddedChannel(new RequestHeadGuard(OPTIONS, Duration.ofSeconds(10)));
    try {
      channel.writeInbound(Unpooled.wrappedBuffer(input));
      Object first = channel.readInbound();
      HttpRequest request = first instanceof HttpRequest r ? r : null;
      if (request == null || !request.decoderResult().isSuccess()) {
        return; // incomplete, or refused: refusing is always safe
      }
      StrictHead strict = StrictHead.parse(input);
      assertNotNull(strict, () -> "accepted a head the grammar refuses: " + printable(input));
      List<Map.Entry<String, String>> seen = new ArrayList<>();
      request.headers().forEach(h -> seen.add(Map.entry(h.getKey().toLowerCase(Locale.ROOT), h.getValue())));
      assertEquals(strict.fields(), seen, () -> "header fields differ: " + printable(input));
      String framing = HttpUtil.isTransferEncodingChunked(request) ? "chunked"
          : request.headers().contains("Content-Length") ? "length " + request.headers().get("Content-Length")
          : "none";
      assertEquals(strict.framing(), framing, () -> "body framing differs: " + printable(input));
    } finally {
      for (Object message; (message = channel.readInbound()) != null; ) {
        ReferenceCountUtil.release(message);
      }
      channel.finishAndReleaseAll();
    }
  }

  /**
   * The finding this fuzz test made first: Vert.x's decoder read {@code Content-?ength} (any character for the
   * {@code L}) as {@code Content-Length}, and {@code Content-?ype} as {@code Content-Type}.
   */
  @org.junit.jupiter.api.Test
  void nearMissesOfInternedNames_keepTheNameThatWasSent() {
    for (String template : List.of("Content-%sength", "Content-%sype")) {
      for (char c = 0x21; c < 0x7f; c++) {
        String name = String.format(template, c);
        if (!name.chars().allMatch(StrictHead::tokenChar)) {
          continue;
        }
        EmbeddedChannel channel = new EmbeddedChannel(new RequestHeadGuard(OPTIONS, Duration.ofSeconds(10)));
        channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n" + name + ": 5\r\n\r\n",
            StandardCharsets.ISO_8859_1));
        HttpRequest request = channel.readInbound();
        List<String> names = request.headers().names().stream().map(n -> n.toLowerCase(Locale.ROOT)).sorted().toList();
        assertEquals(List.of(name.toLowerCase(Locale.ROOT), "host"), names, name);
        channel.finishAndReleaseAll();
      }
    }
  }

  private static String printable(byte[] input) {
    StringBuilder out = new StringBuilder();
    for (byte b : input) {
      int c = b & 0xff;
      out.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c));
    }
    return out.toString();
  }

  /**
   * The first request head under RFC 9112's grammar, or null when it breaks it: empty lines before the request
   * line allowed (section 2.2), every line ending in CRLF, field names that are tokens with the colon right after,
   * values of visible characters, spaces and tabs with the spaces around them dropped, and the framing of section
   * 6.3 (Transfer-Encoding exactly {@code chunked} and no Content-Length with it, or one Content-Length value).
   */
  record StrictHead(List<Map.Entry<String, String>> fields, String framing) {

    private static final String TOKEN = "!#$%&'*+-.^_`|~";

    static StrictHead parse(byte[] input) {
      String text = new String(input, StandardCharsets.ISO_8859_1);
      int at = 0;
      while (text.startsWith("\r\n", at)) {
        at += 2;
      }
      int lineEnd = text.indexOf("\r\n", at);
      if (lineEnd < 0 || !requestLine(text.substring(at, lineEnd))) {
        return null;
      }
      List<Map.Entry<String, String>> fields = new ArrayList<>();
      for (at = lineEnd + 2; ; at = lineEnd + 2) {
        lineEnd = text.indexOf("\r\n", at);
        if (lineEnd < 0) {
          return null;
        }
        String line = text.substring(at, lineEnd);
        if (line.isEmpty()) {
          break;
        }
        Map.Entry<String, String> field = field(line);
        if (field == null) {
          return null;
        }
        fields.add(field);
      }
      String framing = framing(fields);
      return framing == null ? null : new StrictHead(fields, framing);
    }

    private static boolean requestLine(String line) {
      String[] parts = line.split(" ", -1);
      if (parts.length != 3 || parts[0].isEmpty() || !parts[0].chars().allMatch(StrictHead::tokenChar)
          || parts[1].isEmpty() || !parts[2].matches("HTTP/1\\.[01]")) {
        return false;
      }
      return parts[1].chars().allMatch(c -> c > 0x20 && c != 0x7f);
    }

    private static Map.Entry<String, String> field(String line) {
      int colon = line.indexOf(':');
      if (colon <= 0 || !line.substring(0, colon).chars().allMatch(StrictHead::tokenChar)) {
        return null;
      }
      String value = line.substring(colon + 1);
      if (!value.chars().allMatch(c -> c == '\t' || c >= 0x20 && c != 0x7f)) {
        return null;
      }
      return Map.entry(line.substring(0, colon).toLowerCase(Locale.ROOT), value.strip());
    }

    private static boolean tokenChar(int c) {
      return c < 0x7f && (Character.isLetterOrDigit(c) || TOKEN.indexOf(c) >= 0);
    }

    private static String framing(List<Map.Entry<String, String>> fields) {
      List<String> codings = new ArrayList<>();
      List<String> lengths = new ArrayList<>();
      for (Map.Entry<String, String> field : fields) {
        List<String> into = field.getKey().equals("transfer-encoding") ? codings
            : field.getKey().equals("content-length") ? lengths : null;
        if (into != null) {
          for (String item : field.getValue().split(",", -1)) {
            into.add(item.strip().toLowerCase(Locale.ROOT));
          }
        }
      }
      if (!codings.isEmpty()) {
        return lengths.isEmpty() && codings.equals(List.of("chunked")) ? "chunked" : null;
      }
      if (lengths.isEmpty()) {
        return "none";
      }
      String length = lengths.get(0);
      boolean one = length.matches("\\d{1,18}") && lengths.stream().allMatch(length::equals);
      return one ? "length " + length : null;
    }
  }
}
