package dev.openhands.runtime.gateway.failure;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Locale;

/**
 * Renders the gateway's own answers (behaviour table row 5): a small HTML page for browser navigations,
 * JSON for scripts, plain text otherwise. Bodies are short and never carry stack traces.
 */
public final class ErrorResponses {

  private ErrorResponses() {}

  /** The representation a client asked for. */
  public enum Format {
    HTML("text/html; charset=utf-8"),
    JSON("application/json"),
    TEXT("text/plain; charset=utf-8");

    final String contentType;

    Format(String contentType) {
      this.contentType = contentType;
    }
  }

  /**
   * HTML when {@code Sec-Fetch-Mode: navigate} or {@code Accept} includes {@code text/html}; JSON when
   * {@code Accept} includes {@code application/json} or {@code Sec-Fetch-Mode: cors}; text otherwise.
   */
  public static Format negotiate(MultiMap headers) {
    String mode = headers.get("Sec-Fetch-Mode");
    String accept = headers.get("Accept");
    accept = accept == null ? "" : accept.toLowerCase(Locale.ROOT);
    if ("navigate".equalsIgnoreCase(mode) || accept.contains("text/html")) {
      return Format.HTML;
    }
    if (accept.contains("application/json") || "cors".equalsIgnoreCase(mode)) {
      return Format.JSON;
    }
    return Format.TEXT;
  }

  /** Sends the failure as the response, unless a response is already under way. */
  public static void send(HttpServerRequest request, GatewayFailure failure) {
    HttpServerResponse response = request.response();
    if (response.headWritten() || response.ended() || response.closed()) {
      return;
    }
    Format format = negotiate(request.headers());
    int retryAfter = failure.retryAfterSeconds();
    String body;
    if (failure instanceof SandboxStarting starting) {
      response.putHeader(SandboxStarting.STATUS_HEADER, "starting");
      body = switch (format) {
        case HTML -> StartingPage.render(starting);
        case JSON -> "{\"status\":\"starting\",\"detail\":\"" + escapeJson(failure.detail()) + "\"}\n";
        case TEXT -> "503 Service Unavailable: " + failure.detail() + "\n";
      };
    } else {
      body = render(format, failure.status(), failure.detail(), retryAfter);
    }
    response.setStatusCode(failure.status())
        .putHeader("Content-Type", format.contentType)
        .putHeader("Cache-Control", "no-store");
    if (retryAfter > 0) {
      response.putHeader("Retry-After", Integer.toString(retryAfter));
    } else if (failure.status() == 429 || failure.status() == 503) {
      response.putHeader("Retry-After", "1");
    }
    boolean close = failure.status() == 400 || failure.status() == 414 || failure.status() == 431;
    if (close) {
      response.putHeader("Connection", "close");
      response.end(body).onComplete(ar -> request.connection().close());
    } else {
      response.end(body);
    }
  }

  static String render(Format format, int status, String detail) {
    return render(format, status, detail, 0);
  }

  /** With {@code retryAfter} set, the HTML page reloads itself after that many seconds. */
  static String render(Format format, int status, String detail, int retryAfter) {
    String reason = HttpResponseStatus.valueOf(status).reasonPhrase();
    String refresh = retryAfter > 0 ? "<meta http-equiv=\"refresh\" content=\"" + retryAfter + "\">" : "";
    return switch (format) {
      case HTML -> "<!doctype html><html><head><meta charset=\"utf-8\">" + refresh + "<title>" + status + " "
          + escapeHtml(reason) + "</title></head><body><h1>" + status + " " + escapeHtml(reason) + "</h1><p>" + escapeHtml(detail)
          + "</p></body></html>\n";
      case JSON -> "{\"status\":" + status + ",\"error\":\"" + escapeJson(reason) + "\",\"detail\":\""
          + escapeJson(detail) + "\"}\n";
      case TEXT -> status + " " + reason + ": " + detail + "\n";
    };
  }

  static String escapeHtml(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  static String escapeJson(String s) {
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
