package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.security.OriginVerifier;
import io.netty.util.AsciiString;
import io.vertx.core.MultiMap;
import io.vertx.core.http.impl.headers.HeadersMultiMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The header rules of behaviour table row 13, one method each. Headers are copied whole into a map that
 * skips re-validation (the server's decoder already validated them), then the rules remove what must not pass;
 * removals are case-insensitive hash lookups, so nothing is lower-cased or split on the common path.
 */
public final class ForwardedHeaders {

  /**
   * Hop-by-hop headers (RFC 9110 section 7.6.1 and the ones proxies have always treated so). {@code Trailer} is
   * not one: it names the trailer fields, which are forwarded after a chunked body.
   */
  private static final List<AsciiString> HOP_BY_HOP = names(
      "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization",
      "TE", "Transfer-Encoding", "Upgrade");

  /** Fields a trailer must not carry (RFC 9110 section 6.5.1: framing, routing, authentication, controls). */
  private static final List<AsciiString> NOT_IN_TRAILERS = names(
      "Content-Length", "Content-Encoding", "Content-Type", "Content-Range", "Host", "Authorization",
      "Set-Cookie", "Cache-Control", "Expect", "Max-Forwards", "Pragma", "Range", "TE", "Trailer",
      "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade");

  /** Headers the gateway sets itself, or answers itself ({@code Expect}), or that must never leave it. */
  private static final List<AsciiString> GATEWAY_OWNED = names(
      OriginVerifier.HEADER.toString(), "Expect", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host",
      "X-Forwarded-Port", "X-Request-Id");

  /** Handshake headers that each WebSocket leg negotiates for itself. */
  private static final List<AsciiString> WEBSOCKET_HANDSHAKE = names(
      "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol",
      "Sec-WebSocket-Accept");

  private static final String COGNITO_PREFIX = "X-Cognito-";

  // Names as AsciiString: a header map hashes one once, not on every lookup.
  private static final AsciiString CONNECTION = AsciiString.cached("Connection");
  private static final AsciiString COOKIE = AsciiString.cached("Cookie");
  private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("X-Forwarded-For");
  private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("X-Forwarded-Proto");
  private static final AsciiString X_FORWARDED_HOST = AsciiString.cached("X-Forwarded-Host");
  private static final AsciiString X_REQUEST_ID = AsciiString.cached("X-Request-Id");
  private static final AsciiString HTTPS = AsciiString.cached("https");

  private final List<String> stripCookiePrefixes;

  /** @param stripCookies names of the platform's cookies, never sent to a sandbox */
  public ForwardedHeaders(Set<String> stripCookies) {
    this.stripCookiePrefixes = stripCookies.stream().map(name -> name + "=").toList();
  }

  /** The headers to send upstream for an HTTP request (a Netty {@code HttpHeaders} too, written as it is). */
  public HeadersMultiMap forRequest(MultiMap incoming, RequestFacts facts, Upstream upstream) {
    return build(incoming, facts, upstream, false);
  }

  /** The headers to send upstream for a WebSocket handshake; the handshake's own headers are left out. */
  public HeadersMultiMap forWebSocket(MultiMap incoming, RequestFacts facts, Upstream upstream) {
    return build(incoming, facts, upstream, true);
  }

  private HeadersMultiMap build(MultiMap incoming, RequestFacts facts, Upstream upstream, boolean webSocket) {
    HeadersMultiMap out = HeadersMultiMap.caseInsensitive();
    for (Map.Entry<String, String> header : incoming) {
      out.add(header.getKey(), header.getValue());
    }
    removeHopByHop(out);
    removeAll(out, GATEWAY_OWNED);
    if (webSocket) {
      removeAll(out, WEBSOCKET_HANDSHAKE);
    }
    if (!facts.originVerified()) {
      removeUnverifiedIdentity(out, incoming);
    }
    if (upstream.sandbox()) {
      stripPlatformCookies(out);
    }
    appendForwardedFor(incoming, out, facts);
    out.set(X_FORWARDED_PROTO, facts.originVerified() ? HTTPS : facts.scheme());
    if (facts.host() != null) {
      out.set(X_FORWARDED_HOST, facts.host());
    }
    out.set(X_REQUEST_ID, facts.requestId());
    return out;
  }

  /** Client-sent {@code X-Cognito-*} headers are trusted only on origin-verified requests. */
  private static void removeUnverifiedIdentity(MultiMap out, MultiMap incoming) {
    List<String> forged = null;
    for (Map.Entry<String, String> header : incoming) {
      String name = header.getKey();
      if (name.regionMatches(true, 0, COGNITO_PREFIX, 0, COGNITO_PREFIX.length())) {
        forged = forged == null ? new ArrayList<>(2) : forged;
        forged.add(name);
      }
    }
    if (forged != null) {
      removeAll(out, forged);
    }
  }

  /** Removes the platform's cookies (row 13): code the agent wrote must never see a user's tokens. */
  void stripPlatformCookies(MultiMap headers) {
    if (!headers.contains(COOKIE)) {
      return;
    }
    List<String> cookieHeaders = headers.getAll(COOKIE);
    if (!mentionsPlatformCookie(cookieHeaders)) {
      return;
    }
    StringBuilder kept = new StringBuilder();
    for (String cookieHeader : cookieHeaders) {
      int start = 0;
      while (start < cookieHeader.length()) {
        int end = cookieHeader.indexOf(';', start);
        end = end < 0 ? cookieHeader.length() : end;
        int from = skipSpaces(cookieHeader, start, end);
        if (from < end && !isPlatformCookie(cookieHeader, from)) {
          kept.append(kept.length() == 0 ? "" : "; ").append(cookieHeader, from, trimEnd(cookieHeader, from, end));
        }
        start = end + 1;
      }
    }
    headers.remove(COOKIE);
    if (kept.length() > 0) {
      headers.set(COOKIE, kept.toString());
    }
  }

  private boolean mentionsPlatformCookie(List<String> cookieHeaders) {
    for (String cookieHeader : cookieHeaders) {
      for (String prefix : stripCookiePrefixes) {
        if (cookieHeader.contains(prefix)) {
          return true;
        }
      }
    }
    return false;
  }

  private boolean isPlatformCookie(String cookieHeader, int from) {
    for (String prefix : stripCookiePrefixes) {
      if (cookieHeader.startsWith(prefix, from)) {
        return true;
      }
    }
    return false;
  }

  private static int skipSpaces(String s, int from, int to) {
    while (from < to && s.charAt(from) == ' ') {
      from++;
    }
    return from;
  }

  private static int trimEnd(String s, int from, int to) {
    while (to > from && s.charAt(to - 1) == ' ') {
      to--;
    }
    return to;
  }

  /** Appends the peer's address to the chain the request arrived with. */
  private static void appendForwardedFor(MultiMap incoming, MultiMap out, RequestFacts facts) {
    if (!incoming.contains(X_FORWARDED_FOR)) {
      out.set(X_FORWARDED_FOR, facts.peerAddress());
      return;
    }
    out.set(X_FORWARDED_FOR, String.join(", ", incoming.getAll(X_FORWARDED_FOR)) + ", " + facts.peerAddress());
  }

  /**
   * Copies a response's headers (a Vert.x map or a Netty decoder's) into an empty map, leaving out hop-by-hop
   * headers and those named in {@code Connection}.
   */
  public static void copyResponseHeaders(Iterable<Map.Entry<String, String>> from, MultiMap to) {
    for (Map.Entry<String, String> header : from) {
      to.add(header.getKey(), header.getValue());
    }
    removeHopByHop(to);
  }

  /** Copies the trailer fields of a chunked response, leaving out those a trailer must not carry. */
  public static void copyTrailers(Iterable<Map.Entry<String, String>> from, MultiMap to) {
    for (Map.Entry<String, String> header : from) {
      to.add(header.getKey(), header.getValue());
    }
    removeAll(to, NOT_IN_TRAILERS);
  }

  /**
   * Removes the hop-by-hop headers and those named in {@code Connection} (RFC 9110 section 7.6.1) from a map that
   * holds only the message's own headers.
   */
  private static void removeHopByHop(MultiMap out) {
    if (out.contains(CONNECTION)) {
      List<String> listed = out.getAll(CONNECTION);
      for (int i = 0; i < listed.size(); i++) {
        removeListed(out, listed.get(i));
      }
    }
    removeAll(out, HOP_BY_HOP);
  }

  private static void removeListed(MultiMap out, String commaSeparated) {
    int start = 0;
    while (start < commaSeparated.length()) {
      int end = commaSeparated.indexOf(',', start);
      end = end < 0 ? commaSeparated.length() : end;
      String name = commaSeparated.substring(start, end).trim();
      if (!name.isEmpty()) {
        out.remove(name);
      }
      start = end + 1;
    }
  }

  private static List<AsciiString> names(String... names) {
    return Arrays.stream(names).map(AsciiString::cached).toList();
  }

  private static void removeAll(MultiMap out, List<? extends CharSequence> names) {
    for (int i = 0; i < names.size(); i++) {
      out.remove(names.get(i));
    }
  }
}
