package dev.openhands.runtime.gateway.security;

/**
 * Rewrites a {@code Set-Cookie} value from a sandbox (behaviour table row 12): the {@code Domain}
 * attribute is removed, so that a sandbox can never set a cookie for the platform's domain or another
 * sandbox; {@code Secure} is added when missing; {@code SameSite=Strict} is added when no
 * {@code SameSite} is given. Other attributes are kept as written. Attribute names are matched
 * case-insensitively and around spaces and tabs, as browsers do (RFC 6265 section 5.2).
 */
public final class SetCookieRewriter {

  private SetCookieRewriter() {}

  public static String rewrite(String setCookie) {
    int length = setCookie.length();
    StringBuilder out = new StringBuilder(length + 24);
    int firstEnd = setCookie.indexOf(';');
    firstEnd = firstEnd < 0 ? length : firstEnd;
    int nameValueStart = skipSpaces(setCookie, 0, firstEnd);
    out.append(setCookie, nameValueStart, trimEnd(setCookie, nameValueStart, firstEnd));
    boolean secure = false;
    boolean sameSite = false;
    int start = firstEnd + 1;
    while (start < length) {
      int end = setCookie.indexOf(';', start);
      end = end < 0 ? length : end;
      int from = skipSpaces(setCookie, start, end);
      int to = trimEnd(setCookie, from, end);
      start = end + 1;
      if (from == to || isAttribute(setCookie, from, to, "domain")) {
        continue;
      }
      secure |= isAttribute(setCookie, from, to, "secure");
      sameSite |= isAttribute(setCookie, from, to, "samesite");
      out.append("; ").append(setCookie, from, to);
    }
    if (!secure) {
      out.append("; Secure");
    }
    if (!sameSite) {
      out.append("; SameSite=Strict");
    }
    return out.toString();
  }

  /** Whether {@code s[from, to)} is the attribute {@code name}, with or without a value. */
  private static boolean isAttribute(String s, int from, int to, String name) {
    int nameEnd = from + name.length();
    if (nameEnd > to || !s.regionMatches(true, from, name, 0, name.length())) {
      return false;
    }
    int next = skipSpaces(s, nameEnd, to);
    return next == to || s.charAt(next) == '=';
  }

  /** Skips whitespace as browsers do when they split a cookie into attributes: space and tab (RFC 6265 WSP). */
  private static int skipSpaces(String s, int from, int to) {
    while (from < to && isWsp(s.charAt(from))) {
      from++;
    }
    return from;
  }

  private static int trimEnd(String s, int from, int to) {
    while (to > from && isWsp(s.charAt(to - 1))) {
      to--;
    }
    return to;
  }

  private static boolean isWsp(char c) {
    return c == ' ' || c == '\t';
  }
}
