package dev.openhands.runtime.common.log;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One JSON object on one line, the shape CloudWatch Logs Insights reads field by field: both services' log
 * lines ({@code "type":"access"} from the gateway, {@code "type":"api"} from the orchestrator) are built with it.
 * Strings are escaped and cut at {@link #MAX_VALUE_CHARS}; a {@code null} string or a negative number leaves its
 * field out, so that an unknown value is absent rather than invented.
 *
 * <p>The line is built as UTF-8 bytes, ASCII copied byte for byte, so that a writer of many lines
 * ({@link #begin(String, String)} again on the same instance, then {@link #writeTo(OutputStream)}) neither builds a
 * string nor encodes one per line. An instance is for one thread.
 */
public final class JsonLine {

  /** Longest string value written; longer values are cut (a log line must stay one line of bounded size). */
  public static final int MAX_VALUE_CHARS = 512;
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  /** What a lone surrogate (half a character, never valid UTF-8) is written as: U+FFFD. */
  private static final byte[] REPLACEMENT = {(byte) 0xef, (byte) 0xbf, (byte) 0xbd};

  private static final Name TIME = Name.of("time");
  private static final Name TYPE = Name.of("type");

  private byte[] bytes;
  private int length;

  /**
   * A field name encoded once, with its quotes and colon: a writer of many lines copies it instead of writing it
   * out character by character each time.
   */
  public static final class Name {
    private final byte[] bytes;

    private Name(byte[] bytes) {
      this.bytes = bytes;
    }

    /** @param name ASCII letters, digits, {@code _} or {@code -} */
    public static Name of(String name) {
      if (name.isEmpty() || !name.chars().allMatch(c -> c < 0x7f && (Character.isLetterOrDigit(c) || c == '_'
          || c == '-'))) {
        throw new IllegalArgumentException("a field name of letters, digits, _ and -: " + name);
      }
      return new Name(("\"" + name + "\":").getBytes(StandardCharsets.US_ASCII));
    }
  }

  private JsonLine(int capacity) {
    bytes = new byte[capacity];
  }

  /** A line that starts with {@code time} (ISO-8601) and {@code type}. */
  public static JsonLine of(String time, String type) {
    return new JsonLine(320).begin(time, type);
  }

  /** Starts this instance over as a new line that begins with {@code time} and {@code type}. */
  public JsonLine begin(String time, String type) {
    length = 0;
    put('{');
    return field(TIME, time).field(TYPE, type);
  }

  public JsonLine field(String name, String value) {
    return value == null ? this : named(name).quoted(value);
  }

  /** As {@link #field(String, String)}, with a name encoded once. */
  public JsonLine field(Name name, String value) {
    return value == null ? this : named(name).quoted(value);
  }

  public JsonLine number(String name, long value) {
    return value < 0 ? this : named(name).digits(value);
  }

  /** As {@link #number(String, long)}, with a name encoded once. */
  public JsonLine number(Name name, long value) {
    return value < 0 ? this : named(name).digits(value);
  }

  public JsonLine bool(String name, boolean value) {
    named(name);
    ascii(value ? "true" : "false");
    return this;
  }

  /** Writes the finished line and a line break. */
  public void writeTo(OutputStream out) throws IOException {
    ensure(2);
    bytes[length] = '}';
    bytes[length + 1] = '\n';
    out.write(bytes, 0, length + 2);
  }

  /** The finished line, without a line break. */
  @Override
  public String toString() {
    return new String(bytes, 0, length, StandardCharsets.UTF_8) + "}";
  }

  private JsonLine quoted(String value) {
    put('"');
    escape(value);
    put('"');
    return this;
  }

  private JsonLine named(String name) {
    if (length > 1) {
      put(',');
    }
    put('"');
    ascii(name);
    put('"');
    put(':');
    return this;
  }

  private JsonLine named(Name name) {
    int n = name.bytes.length;
    ensure(n + 1);
    if (length > 1) {
      bytes[length++] = ',';
    }
    System.arraycopy(name.bytes, 0, bytes, length, n);
    length += n;
    return this;
  }

  /** Appends {@code value} escaped for a JSON string, cut at {@link #MAX_VALUE_CHARS}. */
  private void escape(String value) {
    int end = Math.min(value.length(), MAX_VALUE_CHARS);
    ensure(end * 6);
    byte[] out = bytes;
    int at = length;
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
        out[at++] = (byte) c;
      } else if (c == '"' || c == '\\') {
        out[at++] = '\\';
        out[at++] = (byte) c;
      } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
        out[at++] = '\\';
        out[at++] = 'u';
        out[at++] = HEX[c >> 12 & 0xf];
        out[at++] = HEX[c >> 8 & 0xf];
        out[at++] = HEX[c >> 4 & 0xf];
        out[at++] = HEX[c & 0xf];
      } else if (c < 0x800) {
        out[at++] = (byte) (0xc0 | c >> 6);
        out[at++] = (byte) (0x80 | c & 0x3f);
      } else if (!Character.isSurrogate(c)) {
        out[at++] = (byte) (0xe0 | c >> 12);
        out[at++] = (byte) (0x80 | c >> 6 & 0x3f);
        out[at++] = (byte) (0x80 | c & 0x3f);
      } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(value.charAt(i + 1))) {
        int point = Character.toCodePoint(c, value.charAt(++i));
        out[at++] = (byte) (0xf0 | point >> 18);
        out[at++] = (byte) (0x80 | point >> 12 & 0x3f);
        out[at++] = (byte) (0x80 | point >> 6 & 0x3f);
        out[at++] = (byte) (0x80 | point & 0x3f);
      } else {
        System.arraycopy(REPLACEMENT, 0, out, at, REPLACEMENT.length);
        at += REPLACEMENT.length;
      }
    }
    length = at;
  }

  /** Appends {@code text}, known to be ASCII without anything to escape (a field name, a number). */
  private void ascii(String text) {
    int n = text.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      bytes[length++] = (byte) text.charAt(i);
    }
  }

  /** Appends the decimal digits of {@code value} (not negative), without making a string. */
  private JsonLine digits(long value) {
    int count = 1;
    for (long rest = value / 10; rest > 0; rest /= 10) {
      count++;
    }
    ensure(count);
    for (int i = length + count - 1; i >= length; i--, value /= 10) {
      bytes[i] = (byte) ('0' + value % 10);
    }
    length += count;
    return this;
  }

  private void put(char c) {
    ensure(1);
    bytes[length++] = (byte) c;
  }

  private void ensure(int more) {
    if (length + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
    }
  }
}
