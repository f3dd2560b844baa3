package dev.openhands.runtime.orchestrator.testkit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A sandbox's agent-server as the orchestrator sees it, on the task's loopback address: {@code /alive} as its
 * {@link AgentBehaviour} says, and {@code /api/conversations/search} behind {@code X-Session-API-Key} (the key the
 * task was started with, {@code OH_SESSION_API_KEYS_0}), in the agent-server's page shape.
 */
public final class AgentServerStandIn {

  private final Vertx vertx;
  private final String sessionApiKey;
  private final AgentBehaviour behaviour;
  private final long startedNanos = System.nanoTime();
  private final AtomicInteger searches = new AtomicInteger();
  private HttpServer server;

  public AgentServerStandIn(Vertx vertx, String sessionApiKey, AgentBehaviour behaviour) {
    this.vertx = vertx;
    this.sessionApiKey = sessionApiKey;
    this.behaviour = behaviour;
  }

  public Future<AgentServerStandIn> listen(String ip, int port) {
    server = vertx.createHttpServer(new HttpServerOptions().setHost(ip).setPort(port)).requestHandler(this::handle);
    return server.listen().map(this);
  }

  /** How many searches were asked (with the right key). */
  public int searches() {
    return searches.get();
  }

  private void handle(HttpServerRequest request) {
    if (request.path().equals("/alive")) {
      boolean up = !behaviour.failing() && System.nanoTime() - startedNanos >= behaviour.aliveAfter().toNanos();
      json(request, behaviour.failing() ? 500 : up ? 200 : 503, new JsonObject().put("status", up ? "ok" : "starting"));
    } else if (request.path().equals("/api/conversations/search")) {
      if (sessionApiKey == null || !sessionApiKey.equals(request.getHeader("X-Session-API-Key"))) {
        json(request, 401, new JsonObject().put("detail", "Unauthorized"));
        return;
      }
      searches.incrementAndGet();
      String filter = request.getParam("status");
      JsonArray items = new JsonArray();
      if (filter == null || filter.equals("idle")) {
        items.add(new JsonObject().put("id", "c1").put("execution_status", "idle"));
      }
      if (behaviour.working() && (filter == null || filter.equals("running"))) {
        items.add(new JsonObject().put("id", "c2").put("execution_status", "running"));
      }
      json(request, 200, new JsonObject().put("items", items).putNull("next_page_id"));
    } else {
      json(request, 404, new JsonObject().put("detail", "Not Found"));
    }
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
