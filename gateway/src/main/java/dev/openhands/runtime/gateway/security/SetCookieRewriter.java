package dev.openhands.runtime.gateway.security;

import java.util.Locale;

/**
 * Rewrites a {@code Set-Cookie} value from a sandbox (behaviour table row 12): the {@code Domain}
 * attribute is removed, so that a sandbox can never set a cookie for the platform's domain or another
 * sandbox; {@code Secure} is added when missing; {@code SameSite=Strict} is added when no
 * {@code SameSite} is given. Other attributes are kept as written.
 */
public final class SetCookieRewriter {

  private SetCookieRewriter() {}

  public static String rewrite(String setCookie) {
    StringBuilder out = new StringBuilder(setCookie.length() + 24);
    boolean secure = false;
    boolean sameSite = false;
    int start = 0;
    boolean first = true;
    while (start <= setCookie.length()) {
      int end = setCookie.indexOf(';', start);
      if (end < 0) {
        end = setCookie.length();
      }
      String part = setCookie.substring(start, end).trim();
      start = end + 1;
      if (first) {
        out.append(part);
        first = false;
        continue;
      }
      if (part.isEmpty()) {
        continue;
      }
      String name = attributeName(part);
      if (name.equals("domain")) {
        continue;
      }
      secure |= name.equals("secure");
      sameSite |= name.equals("samesite");
      out.append("; ").append(part);
    }
    if (!secure) {
      out.append("; Secure");
    }
    if (!sameSite) {
      out.append("; SameSite=Strict");
    }
    return out.toString();
  }

  private static String attributeName(String attribute) {
    int eq = attribute.indexOf('=');
    String name = eq < 0 ? attribute : attribute.substring(0, eq);
    return name.trim().toLowerCase(Locale.ROOT);
  }
}
