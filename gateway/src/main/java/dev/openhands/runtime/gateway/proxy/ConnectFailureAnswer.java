package dev.openhands.runtime.gateway.proxy;

import io.vertx.core.MultiMap;
import java.util.Locale;

/**
 * How a sandbox port that accepts no connection is answered (behaviour table row 8): 502 in plain text,
 * except for a browser's CORS probe, which gets 204 with {@code Cache-Control: no-store} so that a page
 * polling for its app to come up sees "not yet" without a console error.
 */
public final class ConnectFailureAnswer {

  private ConnectFailureAnswer() {}

  /** A CORS probe: has {@code Origin}, {@code Sec-Fetch-Mode} is {@code cors} or absent, accepts JSON. */
  public static boolean isCorsProbe(MultiMap headers) {
    if (!headers.contains("Origin")) {
      return false;
    }
    String mode = headers.get("Sec-Fetch-Mode");
    if (mode != null && !mode.equalsIgnoreCase("cors")) {
      return false;
    }
    String accept = headers.get("Accept");
    return accept != null && accept.toLowerCase(Locale.ROOT).contains("application/json");
  }
}
