package dev.openhands.runtime.gateway.proxy;

import dev.openhands.runtime.gateway.security.OriginVerifier;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The header rules of behaviour table row 13, one method each. Requests are copied into a fresh header
 * map, so that nothing reaches upstream unless a rule lets it through.
 */
public final class ForwardedHeaders {

  /** Hop-by-hop headers (RFC 9110 section 7.6.1 and the ones proxies have always treated so). */
  private static final Set<String> HOP_BY_HOP = Set.of(
      "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
      "te", "trailer", "transfer-encoding", "upgrade");

  /** Handshake headers that each WebSocket leg negotiates for itself. */
  private static final Set<String> WEBSOCKET_HANDSHAKE = Set.of(
      "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol",
      "sec-websocket-accept");

  private static final String COGNITO_PREFIX = "x-cognito-";
  private static final String ORIGIN_HEADER = OriginVerifier.HEADER.toLowerCase(Locale.ROOT);

  private final Set<String> stripCookies;

  /** @param stripCookies names of the platform's cookies, never sent to a sandbox */
  public ForwardedHeaders(Set<String> stripCookies) {
    this.stripCookies = Set.copyOf(stripCookies);
  }

  /** The headers to send upstream for an HTTP request. */
  public MultiMap forRequest(MultiMap incoming, RequestFacts facts, Upstream upstream) {
    return build(incoming, facts, upstream, false);
  }

  /** The headers to send upstream for a WebSocket handshake; the handshake's own headers are left out. */
  public MultiMap forWebSocket(MultiMap incoming, RequestFacts facts, Upstream upstream) {
    return build(incoming, facts, upstream, true);
  }

  private MultiMap build(MultiMap incoming, RequestFacts facts, Upstream upstream, boolean webSocket) {
    Set<String> named = namedInConnection(incoming);
    MultiMap out = HttpHeaders.headers();
    for (Map.Entry<String, String> header : incoming) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (forwards(name, named, facts, webSocket)) {
        out.add(header.getKey(), header.getValue());
      }
    }
    if (upstream.sandbox()) {
      stripPlatformCookies(out);
    }
    appendForwardedFor(incoming, out, facts);
    out.set("X-Forwarded-Proto", facts.originVerified() ? "https" : facts.scheme());
    if (facts.host() != null) {
      out.set("X-Forwarded-Host", facts.host());
    }
    out.set("X-Request-Id", facts.requestId());
    return out;
  }

  private static boolean forwards(String name, Set<String> named, RequestFacts facts, boolean webSocket) {
    if (HOP_BY_HOP.contains(name) || named.contains(name) || name.equals(ORIGIN_HEADER)) {
      return false;
    }
    if (name.equals("expect") || name.startsWith("x-forwarded-") || name.equals("x-request-id")) {
      return false;
    }
    if (webSocket && WEBSOCKET_HANDSHAKE.contains(name)) {
      return false;
    }
    return !name.startsWith(COGNITO_PREFIX) || facts.originVerified();
  }

  /** Removes the platform's cookies (row 13): code the agent wrote must never see a user's tokens. */
  void stripPlatformCookies(MultiMap headers) {
    if (!headers.contains("Cookie")) {
      return;
    }
    StringBuilder kept = new StringBuilder();
    for (String cookieHeader : headers.getAll("Cookie")) {
      for (String pair : cookieHeader.split(";")) {
        String trimmed = pair.trim();
        if (trimmed.isEmpty()) {
          continue;
        }
        int eq = trimmed.indexOf('=');
        String name = (eq < 0 ? trimmed : trimmed.substring(0, eq)).trim();
        if (!stripCookies.contains(name)) {
          kept.append(kept.length() == 0 ? "" : "; ").append(trimmed);
        }
      }
    }
    headers.remove("Cookie");
    if (kept.length() > 0) {
      headers.set("Cookie", kept.toString());
    }
  }

  /** Appends the peer's address to the chain the request arrived with. */
  private static void appendForwardedFor(MultiMap incoming, MultiMap out, RequestFacts facts) {
    String prior = String.join(", ", incoming.getAll("X-Forwarded-For"));
    out.set("X-Forwarded-For", prior.isEmpty() ? facts.peerAddress() : prior + ", " + facts.peerAddress());
  }

  /** Copies a response's headers, leaving out hop-by-hop headers and those named in {@code Connection}. */
  public static void copyResponseHeaders(MultiMap from, MultiMap to) {
    Set<String> named = namedInConnection(from);
    for (Map.Entry<String, String> header : from) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(name) && !named.contains(name)) {
        to.add(header.getKey(), header.getValue());
      }
    }
  }

  /** Lower-cased header names listed in {@code Connection} (RFC 9110 section 7.6.1). */
  static Set<String> namedInConnection(MultiMap headers) {
    if (!headers.contains("Connection")) {
      return Set.of();
    }
    Set<String> named = new HashSet<>();
    for (String value : headers.getAll("Connection")) {
      for (String token : value.split(",")) {
        String name = token.trim().toLowerCase(Locale.ROOT);
        if (!name.isEmpty()) {
          named.add(name);
        }
      }
    }
    return named;
  }
}
