package dev.openhands.runtime.gateway.security;

import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;

/** Reads cookie values from request headers without decoding them (tokens are used as sent). */
public final class Cookies {

  private Cookies() {}

  /** Every value of cookie {@code name}, in the order sent; a request may carry several. */
  public static List<String> values(MultiMap headers, String name) {
    List<String> values = new ArrayList<>(1);
    for (String header : headers.getAll("Cookie")) {
      int start = 0;
      while (start < header.length()) {
        int end = header.indexOf(';', start);
        end = end < 0 ? header.length() : end;
        int from = start;
        while (from < end && header.charAt(from) == ' ') {
          from++;
        }
        int eq = header.indexOf('=', from);
        if (eq > 0 && eq < end && eq - from == name.length() && header.startsWith(name, from)) {
          values.add(header.substring(eq + 1, end).trim());
        }
        start = end + 1;
      }
    }
    return values;
  }
}
