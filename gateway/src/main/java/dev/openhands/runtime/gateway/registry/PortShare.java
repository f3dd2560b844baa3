package dev.openhands.runtime.gateway.registry;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * How the owner shares one port of a sandbox (row 22), as the registry's {@code shares} map stores it: the port (as
 * a string) to {@code {level, users}}. A port without an entry is owner-only. An entry this code cannot read is left
 * out, which leaves that port owner-only: a bad write never opens a port.
 *
 * @param level who besides the owner may open the port
 * @param users with {@link Level#USERS}, the subs who may (besides the owner); empty otherwise
 */
public record PortShare(Level level, Set<String> users) {

  /** Most named users one port is shared with. */
  public static final int MAX_USERS = 50;
  /** A Cognito {@code sub} (a UUID) or any other sign-in id of the same shape: no spaces, commas or quotes. */
  private static final Pattern SUB = Pattern.compile("[A-Za-z0-9._:@+-]{1,128}");

  public enum Level {
    /** Any signed-in user of the deployment. */
    AUTHENTICATED,
    /** The owner and the users listed. */
    USERS,
    /** Anyone, signed in or not. */
    PUBLIC;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Level> parse(String value) {
      for (Level level : values()) {
        if (level.wireName().equals(value)) {
          return Optional.of(level);
        }
      }
      return Optional.empty();
    }
  }

  public PortShare {
    users = Set.copyOf(level == Level.USERS ? users : Set.of());
  }

  /** Whether {@code userId} (the owner aside) may open the port; {@code null} is nobody signed in. */
  public boolean admits(String userId) {
    boolean signedIn = userId != null && !userId.isEmpty();
    return switch (level) {
      case PUBLIC -> true;
      case AUTHENTICATED -> signedIn;
      case USERS -> signedIn && users.contains(userId);
    };
  }

  /** Whether {@code value} can be a user's sign-in id in a share. */
  public static boolean isUserId(String value) {
    return value != null && SUB.matcher(value).matches();
  }

  /** The shares of an item's {@code shares} attribute; unreadable entries left out. */
  public static Map<Integer, PortShare> read(AttributeValue shares) {
    if (shares == null || !shares.hasM()) {
      return Map.of();
    }
    Map<Integer, PortShare> read = new HashMap<>();
    for (Map.Entry<String, AttributeValue> entry : shares.m().entrySet()) {
      int port = port(entry.getKey());
      AttributeValue value = entry.getValue();
      if (port < 0 || value == null || !value.hasM()) {
        continue;
      }
      AttributeValue level = value.m().get("level");
      Optional<Level> parsed = Level.parse(level == null ? null : level.s());
      if (parsed.isEmpty()) {
        continue;
      }
      AttributeValue users = value.m().get("users");
      Set<String> named = new TreeSet<>();
      if (users != null && users.hasSs()) {
        users.ss().stream().filter(PortShare::isUserId).forEach(named::add);
      }
      if (parsed.get() == Level.USERS && named.isEmpty()) {
        continue;
      }
      read.put(port, new PortShare(parsed.get(), named));
    }
    return Map.copyOf(read);
  }

  /** This share as a value of the {@code shares} map. */
  public AttributeValue toAttribute() {
    Map<String, AttributeValue> value = new HashMap<>();
    value.put("level", AttributeValue.fromS(level.wireName()));
    if (level == Level.USERS) {
      value.put("users", AttributeValue.fromSs(List.copyOf(new TreeSet<>(users))));
    }
    return AttributeValue.fromM(value);
  }

  /** A port in the map's key form: 1 to 65535 without leading zeros; else -1. */
  public static int port(String key) {
    if (key == null || key.isEmpty() || key.length() > 5 || key.charAt(0) == '0'
        || !key.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    int port = Integer.parseInt(key);
    return port <= 65535 ? port : -1;
  }
}
