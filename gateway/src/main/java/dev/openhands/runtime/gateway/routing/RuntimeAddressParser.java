package dev.openhands.runtime.gateway.routing;

import java.util.Locale;

/**
 * Parses runtime addresses strictly (behaviour table rows 3 and 4).
 *
 * <ul>
 *   <li>Host form: {@code {port}-{convId}.runtime.<one or more labels>}, an optional {@code :port} after it.
 *       A host that has a {@code runtime} label after its first is a runtime host; any deviation from the
 *       form (extra labels before it, a bad port, a bad conversation id) is {@link AddressParse.Malformed}.
 *   <li>Path form: {@code /runtime/{convId}/{port}[/rest][?query]} on any other host; the prefix is removed
 *       (an empty rest becomes {@code /}) and the query is kept.
 * </ul>
 *
 * A conversation id is exactly 32 lowercase hex characters; a port is 1 to 65535 written without leading
 * zeros. Host names are compared case-insensitively, paths exactly. The parser allocates only the result, so it can run on every request.
 */
public final class RuntimeAddressParser {

  private static final String RUNTIME_LABEL = "runtime";
  private static final String PATH_PREFIX = "/runtime/";
  private static final int CONVERSATION_ID_LENGTH = 32;

  private RuntimeAddressParser() {}

  /**
   * Parses a request's {@code Host} header and request URI (origin form, {@code /path?query}).
   *
   * @param host the {@code Host} header, possibly with a port, or {@code null}
   * @param uri the request target as received
   */
  public static AddressParse parse(String host, String uri) {
    if (host != null) {
      AddressParse fromHost = parseHost(host.toLowerCase(Locale.ROOT), uri);
      if (fromHost != AddressParse.NOT_RUNTIME) {
        return fromHost;
      }
    }
    return parsePath(uri);
  }

  static AddressParse parseHost(String host, String uri) {
    int end = hostEnd(host);
    int firstDot = host.indexOf('.');
    if (firstDot < 0 || firstDot >= end) {
      return AddressParse.NOT_RUNTIME;
    }
    int runtimeLabel = findRuntimeLabel(host, end);
    if (runtimeLabel < 0) {
      return AddressParse.NOT_RUNTIME;
    }
    if (runtimeLabel != firstDot + 1) {
      return new AddressParse.Malformed("runtime host must be {port}-{conversationId}.runtime.<domain>");
    }
    int afterRuntime = runtimeLabel + RUNTIME_LABEL.length();
    if (afterRuntime >= end - 1) {
      return new AddressParse.Malformed("runtime host needs a domain after .runtime");
    }
    int dash = host.indexOf('-');
    if (dash < 0 || dash > firstDot) {
      return new AddressParse.Malformed("runtime host must start with {port}-{conversationId}");
    }
    int port = parsePort(host, 0, dash);
    if (port < 0) {
      return new AddressParse.Malformed("port must be 1 to 65535 without leading zeros");
    }
    if (!isConversationId(host, dash + 1, firstDot)) {
      return new AddressParse.Malformed("conversation id must be 32 lowercase hex characters");
    }
    String conversationId = host.substring(dash + 1, firstDot);
    return new AddressParse.Runtime(new RuntimeAddress(conversationId, port, uri, true));
  }

  static AddressParse parsePath(String uri) {
    if (!uri.startsWith(PATH_PREFIX)) {
      return AddressParse.NOT_RUNTIME;
    }
    int idStart = PATH_PREFIX.length();
    int idEnd = idStart + CONVERSATION_ID_LENGTH;
    if (uri.length() <= idEnd || uri.charAt(idEnd) != '/' || !isConversationId(uri, idStart, idEnd)) {
      return new AddressParse.Malformed("path must be /runtime/{conversationId}/{port}/...");
    }
    int portStart = idEnd + 1;
    int portEnd = portStart;
    while (portEnd < uri.length() && uri.charAt(portEnd) != '/' && uri.charAt(portEnd) != '?') {
      portEnd++;
    }
    int port = parsePort(uri, portStart, portEnd);
    if (port < 0) {
      return new AddressParse.Malformed("port must be 1 to 65535 without leading zeros");
    }
    String rest = uri.substring(portEnd);
    String upstreamUri = rest.isEmpty() || rest.charAt(0) == '?' ? "/" + rest : rest;
    return new AddressParse.Runtime(new RuntimeAddress(uri.substring(idStart, idEnd), port, upstreamUri, false));
  }

  /** Index of the start of a {@code runtime} label after the first label, or -1. */
  private static int findRuntimeLabel(String host, int end) {
    int from = host.indexOf('.') + 1;
    while (from > 0 && from < end) {
      int next = host.indexOf('.', from);
      int labelEnd = next < 0 || next > end ? end : next;
      if (labelEnd - from == RUNTIME_LABEL.length() && host.regionMatches(true, from, RUNTIME_LABEL, 0, labelEnd - from)
          && labelEnd < end) {
        return from;
      }
      from = next < 0 ? -1 : next + 1;
    }
    return -1;
  }

  /** End of the host name: before a {@code :port} suffix. IPv6 literals never contain a runtime label. */
  private static int hostEnd(String host) {
    int colon = host.lastIndexOf(':');
    return colon < 0 || host.indexOf(']') > colon ? host.length() : colon;
  }

  /** The port written in {@code s[from, to)}, or -1 when it is not 1 to 65535 without leading zeros. */
  static int parsePort(String s, int from, int to) {
    int length = to - from;
    if (length < 1 || length > 5 || s.charAt(from) == '0') {
      return -1;
    }
    int port = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      port = port * 10 + (c - '0');
    }
    return port <= 65535 ? port : -1;
  }

  static boolean isConversationId(String s, int from, int to) {
    if (to - from != CONVERSATION_ID_LENGTH) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }
}
