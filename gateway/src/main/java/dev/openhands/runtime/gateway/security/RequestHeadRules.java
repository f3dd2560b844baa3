package dev.openhands.runtime.gateway.security;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import java.nio.charset.StandardCharsets;

/**
 * The rules of behaviour table row 14 that a whole request head is held to before Netty's decoder reads it (see
 * {@link RequestHeadGuard}): pure functions over the head's bytes, each scan a {@link ByteBuf} search or a
 * {@link ByteProcessor} pass.
 */
final class RequestHeadRules {

  private RequestHeadRules() {}

  /**
   * What is wrong with the head in {@code in[readerIndex, headEnd)}, or {@code null}. Beyond Netty's own checks:
   * each field line is a token name with the colon right after it and a value of visible characters, spaces and
   * tabs (RFC 9110 section 5); a Transfer-Encoding, if any, is exactly one {@code chunked} (the only coding a
   * request needs) and a Content-Length one decimal number, on one line, so that no reader before or behind us can
   * frame the body differently (Netty refuses two lengths in HTTP/1.1 only, not in HTTP/1.0).
   */
  static String problemInHead(ByteBuf in, int headEnd) {
    int start = in.readerIndex();
    int lineEnd = in.indexOf(start, headEnd, (byte) '\n');
    if (lineEnd <= start || in.getByte(lineEnd - 1) != '\r') {
      return "bare LF in the request head";
    }
    if (!isTokenChar(in.getByte(start))) {
      return "request line does not start with a method";
    }
    if (in.forEachByte(start, lineEnd - 1 - start, NOT_CONTROL) >= 0) {
      return "control character in the request line";
    }
    int firstSpace = in.indexOf(start, lineEnd - 1, (byte) ' ');
    int secondSpace = firstSpace < 0 ? -1 : in.indexOf(firstSpace + 1, lineEnd - 1, (byte) ' ');
    if (secondSpace < 0 || in.indexOf(secondSpace + 1, lineEnd - 1, (byte) ' ') >= 0) {
      return "request line not of the form: method SP target SP version";
    }
    if (!endsWithVersion(in, start, lineEnd - 1)) {
      return "not an HTTP/1.0 or HTTP/1.1 request line";
    }
    int fields = 0;
    int codings = 0;
    int lengths = 0;
    for (int line = lineEnd + 1; line < headEnd; line = lineEnd + 1) {
      lineEnd = in.indexOf(line, headEnd, (byte) '\n');
      if (lineEnd < 0 || in.getByte(lineEnd - 1) != '\r') {
        return "bare LF in the request head";
      }
      if (lineEnd - 1 == line) {
        break; // the blank line ending the head
      }
      byte first = in.getByte(line);
      if (first == ' ' || first == '\t') {
        return "folded header line (obs-fold)";
      }
      if (++fields > RequestHeadGuard.MAX_HEADER_FIELDS) {
        return "more than " + RequestHeadGuard.MAX_HEADER_FIELDS + " header fields";
      }
      String problem = problemInField(in, line, lineEnd - 1);
      if (problem != null) {
        return problem;
      }
      if (isField(in, line, lineEnd - 1, TRANSFER_ENCODING)
          && (++codings > 1 || !onlyChunked(in, line + TRANSFER_ENCODING.length() + 1, lineEnd - 1))) {
        return "Transfer-Encoding other than one chunked";
      }
      if (isField(in, line, lineEnd - 1, CONTENT_LENGTH) && (++lengths > 1
          || !isDecimal(in, line + CONTENT_LENGTH.length() + 1, lineEnd - 1))) {
        return "Content-Length other than one decimal number";
      }
    }
    return null;
  }

  /** Whether the request line {@code in[from, to)} ends in {@code " HTTP/1.1"} or {@code " HTTP/1.0"}. */
  private static boolean endsWithVersion(ByteBuf in, int from, int to) {
    if (to - from < 10) {
      return false;
    }
    for (int i = 0; i < VERSION_PREFIX.length; i++) {
      if (in.getByte(to - 9 + i) != VERSION_PREFIX[i]) {
        return false;
      }
    }
    byte minor = in.getByte(to - 1);
    return minor == '1' || minor == '0';
  }

  private static final byte[] VERSION_PREFIX = " HTTP/1.".getBytes(StandardCharsets.US_ASCII);

  private static final String TRANSFER_ENCODING = "transfer-encoding";
  private static final String CONTENT_LENGTH = "content-length";
  private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";

  /** A field line {@code in[from, to)} (without its CRLF): {@code token ":" value}. */
  private static String problemInField(ByteBuf in, int from, int to) {
    int colon = in.forEachByte(from, to - from, TOKEN_CHAR);
    if (colon <= from || in.getByte(colon) != ':') {
      return "malformed header field name";
    }
    if (in.forEachByte(colon + 1, to - colon - 1, VALUE_CHAR) >= 0) {
      return "control character in a header value";
    }
    return null;
  }

  /** The bytes of a token (RFC 9110 section 5.6.2), by value. */
  private static final boolean[] TOKEN = new boolean[256];

  static {
    for (int c = 0x21; c < 0x7f; c++) {
      TOKEN[c] = Character.isLetterOrDigit(c) || TOKEN_SYMBOLS.indexOf(c) >= 0;
    }
  }

  /** Each scan below checks the buffer's bounds once, not once a byte as {@code getByte} does. */
  private static final ByteProcessor TOKEN_CHAR = b -> TOKEN[b & 0xff];
  /** A field value's bytes: visible characters, obs-text, spaces and tabs. */
  private static final ByteProcessor VALUE_CHAR = b -> (b & 0xff) >= 0x20 && b != 0x7f || b == '\t';
  private static final ByteProcessor NOT_CONTROL = b -> (b & 0xff) >= 0x20 && b != 0x7f;

  private static boolean isTokenChar(byte b) {
    return TOKEN[b & 0xff];
  }

  /** Whether the field line {@code in[line, to)} is named {@code lowerCaseName}, in any case. */
  private static boolean isField(ByteBuf in, int line, int to, String lowerCaseName) {
    int length = lowerCaseName.length();
    if (line + length >= to || in.getByte(line + length) != ':') {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (Character.toLowerCase(in.getByte(line + i)) != lowerCaseName.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** The first index of {@code in[from, to)} past the spaces and tabs that begin it. */
  private static int valueStart(ByteBuf in, int from, int to) {
    while (from < to && (in.getByte(from) == ' ' || in.getByte(from) == '\t')) {
      from++;
    }
    return from;
  }

  /** The end of {@code in[from, to)} before the spaces and tabs that end it. */
  private static int valueEnd(ByteBuf in, int from, int to) {
    while (to > from && (in.getByte(to - 1) == ' ' || in.getByte(to - 1) == '\t')) {
      to--;
    }
    return to;
  }

  /** Whether the value {@code in[from, to)}, spaces and tabs around it aside, is 1 to 18 digits. */
  private static boolean isDecimal(ByteBuf in, int from, int to) {
    from = valueStart(in, from, to);
    to = valueEnd(in, from, to);
    if (to == from || to - from > 18) {
      return false;
    }
    for (int i = from; i < to; i++) {
      byte b = in.getByte(i);
      if (b < '0' || b > '9') {
        return false;
      }
    }
    return true;
  }

  /** Whether the value {@code in[from, to)}, spaces and tabs around it aside, is {@code chunked} in any case. */
  private static boolean onlyChunked(ByteBuf in, int from, int to) {
    from = valueStart(in, from, to);
    to = valueEnd(in, from, to);
    return to - from == 7 && in.toString(from, 7, StandardCharsets.US_ASCII).equalsIgnoreCase("chunked");
  }
}
