package dev.openhands.runtime.common.log;

/**
 * One JSON object on one line, the shape CloudWatch Logs Insights reads field by field: both services' log
 * lines ({@code "type":"access"} from the gateway, {@code "type":"api"} from the orchestrator) are built with it.
 * Strings are escaped and cut at {@link #MAX_VALUE_CHARS}; a {@code null} string or a negative number leaves its
 * field out, so that an unknown value is absent rather than invented.
 */
public final class JsonLine {

  /** Longest string value written; longer values are cut (a log line must stay one line of bounded size). */
  public static final int MAX_VALUE_CHARS = 512;
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final StringBuilder json;

  private JsonLine(int capacity) {
    json = new StringBuilder(capacity).append('{');
  }

  /** A line that starts with {@code time} (ISO-8601) and {@code type}. */
  public static JsonLine of(String time, String type) {
    return new JsonLine(320).field("time", time).field("type", type);
  }

  public JsonLine field(String name, String value) {
    if (value != null) {
      name(name).append('"');
      escape(json, value);
      json.append('"');
    }
    return this;
  }

  public JsonLine number(String name, long value) {
    if (value >= 0) {
      name(name).append(value);
    }
    return this;
  }

  public JsonLine bool(String name, boolean value) {
    name(name).append(value);
    return this;
  }

  /** The finished line, without a line break. */
  @Override
  public String toString() {
    return json + "}";
  }

  private StringBuilder name(String name) {
    if (json.length() > 1) {
      json.append(',');
    }
    return json.append('"').append(name).append("\":");
  }

  /** Appends {@code value} escaped for a JSON string, cut at {@link #MAX_VALUE_CHARS}. */
  static void escape(StringBuilder out, String value) {
    int end = Math.min(value.length(), MAX_VALUE_CHARS);
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
            .append(HEX[c & 0xf]);
      } else {
        out.append(c);
      }
    }
  }
}
