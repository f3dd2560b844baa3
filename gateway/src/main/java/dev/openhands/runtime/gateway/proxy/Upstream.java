package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.security.SecurityHeaders;
import io.vertx.core.MultiMap;

/**
 * Where one request goes.
 *
 * @param ip address to connect to (a sandbox's task IP, or the app's host)
 * @param port port to connect to
 * @param uri path and query to send
 * @param sandbox whether this is a sandbox (security headers, cookie stripping) rather than the app
 */
public record Upstream(String ip, int port, String uri, boolean sandbox) {

  /** Row 12: a sandbox's response head gets the missing security headers and safe Set-Cookie flags; the app's none. */
  public void applyResponseRules(MultiMap responseHeaders) {
    if (sandbox) {
      SecurityHeaders.addMissing(responseHeaders);
      SecurityHeaders.rewriteSetCookies(responseHeaders);
    }
  }
}
