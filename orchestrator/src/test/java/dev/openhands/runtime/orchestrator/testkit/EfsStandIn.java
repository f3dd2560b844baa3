package dev.openhands.runtime.orchestrator.testkit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Amazon EFS's access-point API as the SDK client sees it, on 127.0.0.1: REST-JSON under {@code /2015-02-01/}
 * (CreateAccessPoint, DescribeAccessPoints, DeleteAccessPoint), idempotent on {@code ClientToken} as EFS is, and
 * {@code AccessPointNotFound} for an unknown id.
 */
public final class EfsStandIn {

  private static final String PATH = "/2015-02-01/access-points";

  private final Vertx vertx;
  private final Map<String, JsonObject> accessPoints = new ConcurrentHashMap<>();
  private final Map<String, String> byToken = new ConcurrentHashMap<>();
  private final AtomicInteger created = new AtomicInteger();
  private final AtomicInteger deleted = new AtomicInteger();
  private HttpServer server;

  public EfsStandIn(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<EfsStandIn> start() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(this::handle);
    return server.listen().map(this);
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.actualPort());
  }

  /** Access points that exist now. */
  public List<JsonObject> accessPoints() {
    return List.copyOf(accessPoints.values());
  }

  public int createdCount() {
    return created.get();
  }

  public int deletedCount() {
    return deleted.get();
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(buffer -> {
      String path = request.path();
      if (request.method() == HttpMethod.POST && path.equals(PATH)) {
        create(request, buffer.toJsonObject());
      } else if (request.method() == HttpMethod.GET && path.equals(PATH)) {
        String id = request.getParam("AccessPointId");
        JsonObject found = id == null ? null : accessPoints.get(id);
        if (id != null && found == null) {
          notFound(request, id);
        } else {
          json(request, 200, new JsonObject().put("AccessPoints", id == null
              ? new JsonArray(List.copyOf(accessPoints.values())) : new JsonArray().add(found)));
        }
      } else if (request.method() == HttpMethod.DELETE && path.startsWith(PATH + "/")) {
        String id = path.substring(PATH.length() + 1);
        if (accessPoints.remove(id) == null) {
          notFound(request, id);
        } else {
          deleted.incrementAndGet();
          request.response().setStatusCode(204).end();
        }
      } else {
        json(request, 400, new JsonObject().put("ErrorCode", "BadRequest").put("Message", "unknown call"));
      }
    });
  }

  private void create(HttpServerRequest request, JsonObject body) {
    String token = body.getString("ClientToken");
    if (token != null && byToken.containsKey(token) && accessPoints.containsKey(byToken.get(token))) {
      json(request, 200, accessPoints.get(byToken.get(token)));
      return;
    }
    String id = String.format("fsap-%017x", created.incrementAndGet());
    JsonObject accessPoint = body.copy().put("AccessPointId", id)
        .put("AccessPointArn", "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/" + id)
        .put("LifeCycleState", "available").put("OwnerId", "123456789012");
    accessPoints.put(id, accessPoint);
    if (token != null) {
      byToken.put(token, id);
    }
    json(request, 200, accessPoint);
  }

  private static void notFound(HttpServerRequest request, String id) {
    request.response().putHeader("x-amzn-ErrorType", "AccessPointNotFound");
    json(request, 404, new JsonObject().put("ErrorCode", "AccessPointNotFound")
        .put("Message", "Access point " + id + " does not exist."));
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
