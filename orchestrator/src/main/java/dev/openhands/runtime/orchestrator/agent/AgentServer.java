package dev.openhands.runtime.orchestrator.agent;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * What the orchestrator asks a sandbox's agent-server: whether it is up ({@code GET /alive}), and whether a
 * conversation in it is executing right now ({@code GET /api/conversations/search} with the sandbox's
 * {@code X-Session-API-Key}), so that the idle sweep never pauses an agent that works with the browser closed.
 */
public final class AgentServer {

  /**
   * Execution statuses that mean the agent is working (the SDK's {@code ConversationExecutionStatus}: idle,
   * running, paused, waiting_for_confirmation, finished, error, stuck, deleting): a sandbox with one is not idle.
   */
  static final Set<String> WORKING = Set.of("running");
  private static final int MAX_PAGES = 20;

  private final HttpClient client;
  private final Duration timeout;

  public AgentServer(Vertx vertx, Duration timeout) {
    this.timeout = timeout;
    this.client = vertx.createHttpClient(new HttpClientOptions()
        .setConnectTimeout((int) timeout.toMillis())
        .setKeepAlive(false)
        .setName("agent-server"), new PoolOptions().setHttp1MaxSize(8).setMaxWaitQueueSize(256));
  }

  /** Whether {@code GET /alive} answers 200 at {@code ip:port}; false on any failure. */
  public Future<Boolean> alive(String ip, int port) {
    return client.request(options(ip, port, "/alive"))
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> response.statusCode() == 200))
        .otherwise(false);
  }

  /**
   * Whether a conversation in the sandbox is executing. Fails when the agent-server cannot be asked (it is down,
   * or refuses the key): the caller decides what an unknown answer means.
   */
  public Future<Boolean> working(String ip, int port, String sessionApiKey) {
    return page(ip, port, sessionApiKey, null, 0);
  }

  private Future<Boolean> page(String ip, int port, String sessionApiKey, String pageId, int pages) {
    // The agent-server filters by execution status; the items are checked too, should a version ignore the filter.
    String uri = "/api/conversations/search?status=running&limit=100"
        + (pageId == null ? "" : "&page_id=" + encode(pageId));
    RequestOptions options = options(ip, port, uri);
    if (sessionApiKey != null) {
      options.putHeader("X-Session-API-Key", sessionApiKey);
    }
    return client.request(options)
        .compose(request -> request.send())
        .compose(response -> response.body().compose(body -> {
          if (response.statusCode() != 200) {
            return Future.failedFuture("the agent-server answered " + response.statusCode());
          }
          JsonObject json = body.toJsonObject();
          if (anyWorking(json.getJsonArray("items", new JsonArray()))) {
            return Future.succeededFuture(true);
          }
          String next = json.getString("next_page_id");
          return next == null || pages + 1 >= MAX_PAGES
              ? Future.succeededFuture(false)
              : page(ip, port, sessionApiKey, next, pages + 1);
        }));
  }

  static boolean anyWorking(JsonArray items) {
    for (Object item : items) {
      if (item instanceof JsonObject conversation) {
        String status = conversation.getString("execution_status", conversation.getString("agent_status", ""));
        if (status != null && WORKING.contains(status.toLowerCase(Locale.ROOT))) {
          return true;
        }
      }
    }
    return false;
  }

  private RequestOptions options(String ip, int port, String uri) {
    return new RequestOptions().setMethod(HttpMethod.GET).setHost(ip).setPort(port).setURI(uri)
        .setIdleTimeout(timeout.toMillis()).setTimeout(timeout.toMillis());
  }

  private static String encode(String value) {
    return java.net.URLEncoder.encode(value, java.nio.charset.StandardCharsets.UTF_8);
  }

  public Future<Void> close() {
    return client.close();
  }
}
