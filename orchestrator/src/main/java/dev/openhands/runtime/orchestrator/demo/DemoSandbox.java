package dev.openhands.runtime.orchestrator.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The sandbox the {@code local} provider runs by default: on its loopback address, a stand-in for the agent-server
 * on the agent port ({@code /alive}, and {@code /api/conversations/search} behind the sandbox's
 * {@code X-Session-API-Key}, reporting no conversation at work) and a demo app on {@link #APP_PORT}: an HTML page
 * that opens a WebSocket back to where it was loaded from and shows the echoes, so that a person can watch traffic
 * flow through the gateway. It stops on SIGTERM like any process.
 *
 * <p>Usage: {@code DemoSandbox <ip> <agent port> <conversation id>}; the session key comes from
 * {@code OH_SESSION_API_KEYS_0}, as the agent-server takes it.
 */
public final class DemoSandbox {

  /** The demo app's port, the one the README's links open. */
  public static final int APP_PORT = 5000;

  private final Vertx vertx;
  private final String conversationId;
  private final String sessionApiKey;
  private HttpServer agent;
  private HttpServer app;

  public DemoSandbox(Vertx vertx, String conversationId, String sessionApiKey) {
    this.vertx = vertx;
    this.conversationId = conversationId;
    this.sessionApiKey = sessionApiKey;
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: DemoSandbox <ip> <agent port> <conversation id>");
      System.exit(2);
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    DemoSandbox sandbox = new DemoSandbox(vertx, args[2], System.getenv("OH_SESSION_API_KEYS_0"));
    sandbox.start(args[0], Integer.parseInt(args[1]), APP_PORT).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    System.out.println("demo sandbox " + args[2] + " on " + args[0] + ": agent " + args[1] + ", app " + APP_PORT);
  }

  /** Listens on {@code ip}: the agent stand-in on {@code agentPort}, the demo app on {@code appPort}. */
  public Future<DemoSandbox> start(String ip, int agentPort, int appPort) {
    agent = vertx.createHttpServer(new HttpServerOptions().setHost(ip).setPort(agentPort)).requestHandler(this::agent);
    app = vertx.createHttpServer(new HttpServerOptions().setHost(ip).setPort(appPort))
        .webSocketHandler(ws -> {
          if (!ws.path().endsWith("/ws")) {
            ws.close((short) 1008, "no WebSocket here");
            return;
          }
          ws.textMessageHandler(text -> ws.writeTextMessage("echo: " + text));
          ws.binaryMessageHandler(ws::writeBinaryMessage);
        })
        .requestHandler(this::page);
    return Future.all(agent.listen(), app.listen()).map(this);
  }

  public int appPort() {
    return app.actualPort();
  }

  public Future<Void> stop() {
    return Future.all(agent == null ? Future.succeededFuture() : agent.close(),
        app == null ? Future.succeededFuture() : app.close()).mapEmpty();
  }

  private void agent(HttpServerRequest request) {
    String path = request.path();
    if (path.equals("/alive") || path.equals("/health")) {
      json(request, 200, new JsonObject().put("status", "ok"));
    } else if (!keyMatches(request.getHeader("X-Session-API-Key"))) {
      json(request, 401, new JsonObject().put("detail", "X-Session-API-Key is missing or wrong"));
    } else if (path.equals("/api/conversations/search")) {
      json(request, 200, new JsonObject().put("items", new JsonArray()).putNull("next_page_id"));
    } else {
      json(request, 404, new JsonObject().put("detail", "not found"));
    }
  }

  private boolean keyMatches(String given) {
    return sessionApiKey != null && given != null && MessageDigest.isEqual(
        sessionApiKey.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  private void page(HttpServerRequest request) {
    if (request.path().endsWith("/api/hello")) {
      json(request, 200, new JsonObject().put("hello", "from the sandbox").put("conversation", conversationId));
      return;
    }
    request.response().putHeader("Content-Type", "text/html; charset=utf-8").end(PAGE);
  }

  private static final String PAGE = """
      <!doctype html>
      <html><head><meta charset="utf-8"><title>Demo sandbox</title>
      <style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:40rem}
      code{background:#eee;padding:0 .3em}#log{border:1px solid #ccc;padding:.5rem;min-height:6rem}</style>
      </head><body>
      <h1>Demo sandbox</h1>
      <p>This page came from a demo sandbox through the runtime gateway.</p>
      <p>WebSocket: <strong id="state">connecting...</strong></p>
      <div id="log"></div>
      <script>
      const log = (t) => { const p = document.createElement('div'); p.textContent = t;
        document.getElementById('log').appendChild(p); };
      const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
      // Relative to the page, so that it works on the host form and on /runtime/{convId}/{port}/ alike.
      const base = location.pathname.replace(/[^/]*$/, '');
      const ws = new WebSocket(scheme + '//' + location.host + base + 'ws');
      let n = 0;
      ws.onopen = () => { document.getElementById('state').textContent = 'open through the gateway';
        const tick = () => { if (ws.readyState === 1) { ws.send('ping ' + (++n)); } };
        tick(); setInterval(tick, 2000); };
      ws.onmessage = (e) => log(e.data);
      ws.onclose = (e) => { document.getElementById('state').textContent = 'closed (' + e.code + ')'; };
      </script>
      </body></html>
      """;
}
