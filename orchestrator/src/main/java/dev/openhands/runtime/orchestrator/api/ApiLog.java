package dev.openhands.runtime.orchestrator.api;

import dev.openhands.runtime.common.log.JsonLine;
import java.io.PrintStream;
import java.time.Instant;

/**
 * One JSON line per API call on standard output ({@code "type":"api"}): method, route template, conversation id,
 * status, duration, peer. Never a key, a body or an environment. Calls are few (the app's starts, polls and stops),
 * so lines are written as they end.
 */
public final class ApiLog {

  private final PrintStream out;

  public ApiLog(PrintStream out) {
    this.out = out;
  }

  void call(String method, String route, String conversationId, int status, long durationMicros, String peer,
      String detail) {
    String line = JsonLine.of(Instant.now().toString(), "api")
        .field("method", method)
        .field("route", route)
        .field("conversation_id", conversationId)
        .number("status", status)
        .number("duration_us", durationMicros)
        .field("peer", peer)
        .field("detail", detail)
        .toString();
    synchronized (out) {
      out.println(line);
    }
  }
}
