package dev.openhands.runtime.gateway.security;

import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import java.util.List;

/**
 * Headers added to every response from a runtime address (behaviour table row 12), each only when the
 * sandbox did not set it itself, and the {@code Set-Cookie} rewrite. The gateway's own error answers on
 * runtime addresses get the same headers.
 */
public final class SecurityHeaders {

  /** Names and values as AsciiString: hashed once, and written to the wire as the bytes they hold. */
  private static final List<AsciiString[]> DEFAULTS = List.of(
      header("X-Frame-Options", "SAMEORIGIN"),
      header("X-Content-Type-Options", "nosniff"),
      header("Referrer-Policy", "strict-origin-when-cross-origin"),
      header("Content-Security-Policy", "frame-ancestors 'self'"));
  private static final AsciiString SET_COOKIE = AsciiString.cached("Set-Cookie");

  private SecurityHeaders() {}

  /** Adds each default header that {@code headers} lacks. */
  public static void addMissing(MultiMap headers) {
    for (AsciiString[] header : DEFAULTS) {
      if (!headers.contains(header[0])) {
        headers.set(header[0], header[1]);
      }
    }
  }

  /** Rewrites every {@code Set-Cookie} header in place. */
  public static void rewriteSetCookies(MultiMap headers) {
    if (!headers.contains(SET_COOKIE)) {
      return;
    }
    List<String> cookies = headers.getAll(SET_COOKIE);
    headers.remove(SET_COOKIE);
    for (String cookie : cookies) {
      headers.add(SET_COOKIE, SetCookieRewriter.rewrite(cookie));
    }
  }

  private static AsciiString[] header(String name, String value) {
    return new AsciiString[] {AsciiString.cached(name), AsciiString.cached(value)};
  }
}
