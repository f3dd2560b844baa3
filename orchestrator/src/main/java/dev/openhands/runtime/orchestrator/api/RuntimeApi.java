package dev.openhands.runtime.orchestrator.api;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.common.registry.SandboxStatus;
import dev.openhands.runtime.orchestrator.lifecycle.Outcome;
import dev.openhands.runtime.orchestrator.lifecycle.SandboxLifecycle;
import dev.openhands.runtime.orchestrator.lifecycle.StartRequest;
import dev.openhands.runtime.orchestrator.ops.OrchestratorMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote-runtime API of DESIGN.md, as OpenHands' {@code RemoteSandboxService} calls it. Every route but
 * {@code /health} needs {@code X-API-Key} (401, before the body is read); bodies are JSON of at most
 * {@link #MAX_BODY_BYTES} (413); ids are 32 lowercase hex (400); an id without an item is 404 everywhere but
 * {@code /start}. Answers are JSON; errors are {@code {"detail": "..."}} as the app's client expects.
 */
public final class RuntimeApi {

  private static final Logger LOG = LoggerFactory.getLogger(RuntimeApi.class);
  public static final int MAX_BODY_BYTES = 64 * 1024;
  private static final String CONVERSATION = "conversation";

  private final SandboxLifecycle lifecycle;
  private final ApiKeys keys;
  private final OrchestratorMetrics metrics;
  private final ApiLog log;
  private final int agentServerPort;
  private final BooleanSupplier draining;

  public RuntimeApi(SandboxLifecycle lifecycle, List<String> apiKeys, OrchestratorMetrics metrics, ApiLog log,
      int agentServerPort, BooleanSupplier draining) {
    this.lifecycle = lifecycle;
    this.keys = new ApiKeys(apiKeys);
    this.metrics = metrics;
    this.log = log;
    this.agentServerPort = agentServerPort;
    this.draining = draining;
  }

  /** The routes, in the order a request meets them. */
  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().handler(this::observe);
    router.get("/health").handler(this::health);
    router.route().handler(this::requireKey);
    router.route().handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
    router.post("/start").handler(ctx -> {
      StartRequest start = Bodies.start(ctx.body().buffer());
      id(ctx, start.conversationId());
      answer(ctx, lifecycle.start(start).map(this::runtime));
    });
    router.post("/resume").handler(ctx -> answer(ctx, lifecycle.resume(id(ctx, Bodies.runtimeId(ctx.body().buffer())))
        .map(this::runtime)));
    router.post("/pause").handler(ctx -> answer(ctx, stop(id(ctx, Bodies.runtimeId(ctx.body().buffer())),
        SandboxStatus.PAUSED)));
    router.post("/stop").handler(ctx -> answer(ctx, stop(id(ctx, Bodies.runtimeId(ctx.body().buffer())),
        SandboxStatus.STOPPED)));
    router.post("/delete").handler(ctx -> answer(ctx, lifecycle.delete(id(ctx, Bodies.runtimeId(ctx.body().buffer())))
        .map(outcome -> outcome instanceof Outcome.Found found ? done("deleted", found) : Answer.of(outcome))));
    router.post("/activity").handler(ctx -> answer(ctx, lifecycle.activity(id(ctx, Bodies.sessionId(ctx.body()
        .buffer()))).map(touched -> touched ? Answer.ok(new JsonObject().put("status", "ok")) : Answer.MISSING)));
    router.get("/sessions/batch").handler(ctx -> answer(ctx, batch(ctx)));
    router.get("/sessions/:id").handler(ctx -> answer(ctx, lifecycle.get(id(ctx, Bodies.pathId(ctx.pathParam("id"))))
        .map(this::runtime)));
    router.get("/runtime/:id").handler(ctx -> answer(ctx, lifecycle.get(id(ctx, Bodies.pathId(ctx.pathParam("id"))))
        .map(this::runtime)));
    router.get("/list").handler(ctx -> answer(ctx, lifecycle.active().map(items -> Answer.ok(new JsonObject()
        .put("runtimes", new JsonArray(items.stream().map(i -> (Object) RuntimeView.of(i, agentServerPort)).toList()))))));
    router.errorHandler(400, ctx -> error(ctx, 400, "bad request"));
    router.errorHandler(404, ctx -> error(ctx, 404, "no such route"));
    router.errorHandler(405, ctx -> error(ctx, 405, "method not allowed"));
    router.errorHandler(413, ctx -> error(ctx, 413, "the body is larger than " + MAX_BODY_BYTES + " bytes"));
    router.errorHandler(500, ctx -> {
      Throwable failure = ctx.failure();
      if (failure instanceof BadRequest bad) {
        error(ctx, 400, bad.getMessage());
      } else {
        LOG.warn("API call {} {} failed", ctx.request().method(), ctx.request().path(), failure);
        error(ctx, 500, "internal error");
      }
    });
    return router;
  }

  /** An answer to write: a status and a JSON body. */
  record Answer(int status, Object body) {
    static final Answer MISSING = error(404, "no sandbox for this conversation");

    static Answer ok(Object body) {
      return new Answer(200, body);
    }

    static Answer error(int status, String detail) {
      return new Answer(status, new JsonObject().put("detail", detail));
    }

    static Answer of(Outcome outcome) {
      if (outcome instanceof Outcome.Refused refused) {
        return error(refused.status(), refused.detail());
      }
      if (outcome instanceof Outcome.Missing) {
        return MISSING;
      }
      throw new IllegalArgumentException("a found sandbox has no default answer");
    }
  }

  private Answer runtime(Outcome outcome) {
    return outcome instanceof Outcome.Found found ? Answer.ok(RuntimeView.of(found.item(), agentServerPort))
        : Answer.of(outcome);
  }

  private Future<Answer> stop(String conversationId, SandboxStatus target) {
    return lifecycle.stop(conversationId, target).map(outcome -> outcome instanceof Outcome.Found found
        ? done(target == SandboxStatus.PAUSED ? "paused" : "stopped", found) : Answer.of(outcome));
  }

  private static Answer done(String status, Outcome.Found found) {
    return Answer.ok(new JsonObject().put("status", status).put("session_id", found.item().conversationId()));
  }

  /** {@code ids=a&ids=b} or {@code ids=a,b}: the runtimes of those that exist; others (and malformed ids) left out. */
  private Future<Answer> batch(RoutingContext ctx) {
    Set<String> ids = new LinkedHashSet<>();
    for (String value : ctx.queryParam("ids")) {
      for (String id : value.split(",")) {
        if (RegistrySchema.isConversationId(id.trim())) {
          ids.add(id.trim());
        }
      }
    }
    if (ids.size() > 1000) {
      throw new BadRequest("at most 1000 ids in one batch");
    }
    if (ids.isEmpty()) {
      return Future.succeededFuture(Answer.ok(new JsonArray()));
    }
    return lifecycle.batch(new ArrayList<>(ids)).map(items -> Answer.ok(new JsonArray(
        items.stream().map(i -> (Object) RuntimeView.of(i, agentServerPort)).toList())));
  }

  private void health(RoutingContext ctx) {
    boolean healthy = !draining.getAsBoolean();
    write(ctx, healthy ? Answer.ok(new JsonObject().put("status", "ok"))
        : new Answer(503, new JsonObject().put("status", "draining")));
  }

  private void requireKey(RoutingContext ctx) {
    if (keys.accepts(ctx.request().getHeader(ApiKeys.HEADER))) {
      ctx.next();
    } else {
      write(ctx, Answer.error(401, "X-API-Key is missing or wrong"));
    }
  }

  private void answer(RoutingContext ctx, Future<Answer> answer) {
    answer.onComplete(ar -> {
      if (ar.succeeded()) {
        write(ctx, ar.result());
      } else if (ar.cause() instanceof BadRequest bad) {
        write(ctx, Answer.error(400, bad.getMessage()));
      } else {
        LOG.warn("{} {} failed: {}", ctx.request().method(), ctx.request().path(), ar.cause().toString());
        write(ctx, Answer.error(503, "the sandbox registry or provider is unavailable, try again shortly"));
      }
    });
  }

  private static String id(RoutingContext ctx, String conversationId) {
    ctx.put(CONVERSATION, conversationId);
    return conversationId;
  }

  private static void error(RoutingContext ctx, int status, String detail) {
    write(ctx, Answer.error(status, detail));
  }

  private static void write(RoutingContext ctx, Answer answer) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    String body = answer.body() instanceof JsonObject o ? o.encode() : ((JsonArray) answer.body()).encode();
    ctx.response().setStatusCode(answer.status())
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(body);
  }

  /** Times every call and writes its metric and log line when the response ends. */
  private void observe(RoutingContext ctx) {
    long started = System.nanoTime();
    ctx.addEndHandler(ar -> {
      int status = ctx.response().ended() ? ctx.response().getStatusCode() : 499;
      String route = ctx.currentRoute() == null || ctx.currentRoute().getPath() == null ? "other"
          : ctx.currentRoute().getPath().replace(":id", "{id}");
      long nanos = System.nanoTime() - started;
      metrics.apiCall(route, status, nanos);
      log.call(ctx.request().method().name(), route, ctx.get(CONVERSATION), status, nanos / 1000,
          ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress(),
          status >= 400 && status != 404 ? detailOf(ctx) : null);
    });
    ctx.next();
  }

  private static String detailOf(RoutingContext ctx) {
    return ctx.failure() == null ? null : ctx.failure().getClass().getSimpleName();
  }
}
