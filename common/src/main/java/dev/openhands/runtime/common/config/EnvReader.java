package dev.openhands.runtime.common.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads typed values from an environment map. Each failure is a {@link ConfigException} whose message
 * names the variable, shows the value and says what was expected; blank values count as unset.
 */
public final class EnvReader {

  private final Map<String, String> env;

  public EnvReader(Map<String, String> env) {
    this.env = env;
  }

  /** The trimmed value, or {@code null} when unset or blank. */
  public String optional(String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return null;
    }
    return value.trim();
  }

  public String string(String name, String defaultValue) {
    String value = optional(name);
    return value == null ? defaultValue : value;
  }

  public String required(String name) {
    String value = optional(name);
    if (value == null) {
      throw new ConfigException(name + ": not set (expected: a value)");
    }
    return value;
  }

  /** A comma-separated list without empty members; empty when unset. */
  public List<String> list(String name) {
    return split(optional(name));
  }

  /** A comma-separated list that must have at least one member. */
  public List<String> requiredList(String name) {
    List<String> values = list(name);
    if (values.isEmpty()) {
      throw new ConfigException(name + ": not set (expected: one or more values separated by commas)");
    }
    return values;
  }

  /** Splits a comma-separated value, trimming members and leaving empty ones out. */
  public static List<String> split(String value) {
    if (value == null) {
      return List.of();
    }
    return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  public int port(String name, int defaultValue) {
    int port = integer(name, defaultValue);
    if (port < 1 || port > 65535) {
      throw new ConfigException(name + ": " + port + " (expected: a port from 1 to 65535)");
    }
    return port;
  }

  public int positiveInt(String name, int defaultValue) {
    int value = integer(name, defaultValue);
    if (value <= 0) {
      throw new ConfigException(name + ": " + value + " (expected: > 0)");
    }
    return value;
  }

  private int integer(String name, int defaultValue) {
    String value = optional(name);
    if (value == null) {
      return defaultValue;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new ConfigException(name + ": '" + value + "' (expected: a whole number)");
    }
  }

  public Duration positiveDuration(String name, String defaultValue) {
    Duration d = duration(name, defaultValue);
    if (d.isZero()) {
      throw new ConfigException(name + ": '" + string(name, defaultValue) + "' (expected: > 0)");
    }
    return d;
  }

  /** A duration such as {@code 250ms}, {@code 5s} or {@code 2m}; zero allowed. */
  public Duration duration(String name, String defaultValue) {
    String value = string(name, defaultValue);
    try {
      return Durations.parse(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name + ": '" + value + "' (" + e.getMessage() + ")");
    }
  }

  public <E extends Enum<E>> E choice(String name, Class<E> type, String defaultValue) {
    String value = string(name, defaultValue);
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      StringBuilder allowed = new StringBuilder();
      for (E option : type.getEnumConstants()) {
        allowed.append(allowed.length() == 0 ? "" : " or ").append(option.name().toLowerCase(Locale.ROOT));
      }
      throw new ConfigException(name + ": '" + value + "' (expected: " + allowed + ")");
    }
  }

  /** An {@code http://host:port} address without a path, or {@code null} when unset. */
  public URI httpUri(String name) {
    String value = optional(name);
    if (value == null) {
      return null;
    }
    try {
      URI uri = new URI(value);
      boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
      if (!http || uri.getHost() == null) {
        throw new ConfigException(name + ": '" + value + "' (expected: http://host:port)");
      }
      String path = uri.getRawPath();
      if (path != null && !path.isEmpty() && !path.equals("/") || uri.getRawQuery() != null) {
        throw new ConfigException(name + ": '" + value + "' (expected: http://host:port without a path)");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException(name + ": '" + value + "' (expected: http://host:port)");
    }
  }

  /** A DynamoDB table name, as the registry's {@code SANDBOX_TABLE} must be. */
  public String tableName(String name) {
    String value = required(name);
    if (!value.matches("[A-Za-z0-9_.-]{3,255}")) {
      throw new ConfigException(name + ": '" + value + "' (expected: 3 to 255 letters, digits, '_', '-' or '.')");
    }
    return value;
  }
}
