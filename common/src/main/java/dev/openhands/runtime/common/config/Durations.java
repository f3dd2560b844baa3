package dev.openhands.runtime.common.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations written {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 180d} or ISO-8601
 * ({@code PT30S}).
 */
public final class Durations {

  private static final Pattern SHORT = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Returns the duration that {@code text} denotes.
   *
   * @throws IllegalArgumentException with a message fit to follow the variable's name
   */
  public static Duration parse(String text) {
    String value = text.trim();
    Matcher m = SHORT.matcher(value);
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    }
    if (value.length() > 1 && (value.charAt(0) == 'P' || value.charAt(0) == 'p')) {
      try {
        Duration parsed = Duration.parse(value);
        if (parsed.isNegative()) {
          throw new IllegalArgumentException("expected: not negative");
        }
        return parsed;
      } catch (DateTimeParseException e) {
        // fall through to the common message
      }
    }
    throw new IllegalArgumentException("expected: a duration such as 500ms, 30s, 5m, 1h, 180d or PT30S");
  }

  /** Formats a duration the way it is written in configuration, for log lines. */
  public static String format(Duration d) {
    long ms = d.toMillis();
    if (ms % 86_400_000 == 0 && ms > 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }
}
