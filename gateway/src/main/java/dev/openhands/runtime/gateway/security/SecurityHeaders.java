package dev.openhands.runtime.gateway.security;

import io.vertx.core.MultiMap;
import java.util.List;

/**
 * Headers added to every response from a runtime address (behaviour table row 12), each only when the
 * sandbox did not set it itself, and the {@code Set-Cookie} rewrite. The gateway's own error answers on
 * runtime addresses get the same headers.
 */
public final class SecurityHeaders {

  private static final List<String[]> DEFAULTS = List.of(
      new String[] {"X-Frame-Options", "SAMEORIGIN"},
      new String[] {"X-Content-Type-Options", "nosniff"},
      new String[] {"Referrer-Policy", "strict-origin-when-cross-origin"},
      new String[] {"Content-Security-Policy", "frame-ancestors 'self'"});

  private SecurityHeaders() {}

  /** Adds each default header that {@code headers} lacks. */
  public static void addMissing(MultiMap headers) {
    for (String[] header : DEFAULTS) {
      if (!headers.contains(header[0])) {
        headers.set(header[0], header[1]);
      }
    }
  }

  /** Rewrites every {@code Set-Cookie} header in place. */
  public static void rewriteSetCookies(MultiMap headers) {
    List<String> cookies = headers.getAll("Set-Cookie");
    if (cookies.isEmpty()) {
      return;
    }
    headers.remove("Set-Cookie");
    for (String cookie : cookies) {
      headers.add("Set-Cookie", SetCookieRewriter.rewrite(cookie));
    }
  }
}
