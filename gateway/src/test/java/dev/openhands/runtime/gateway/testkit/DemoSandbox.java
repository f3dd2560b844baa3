package dev.openhands.runtime.gateway.testkit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

/**
 * A sandbox app on 127.0.0.1: an HTML page that opens a WebSocket back to where it was loaded from and
 * shows the echoes it gets, and a WebSocket echo at {@code /ws}. The local harness registers it as a
 * running conversation so that a browser can see traffic flow through the gateway.
 */
public final class DemoSandbox {

  private final Vertx vertx;
  private HttpServer server;

  public DemoSandbox(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<DemoSandbox> start(int port) {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .webSocketHandler(ws -> {
          if (!ws.path().endsWith("/ws")) {
            ws.close((short) 1008, "no WebSocket here");
            return;
          }
          ws.textMessageHandler(text -> ws.writeTextMessage("echo: " + text));
          ws.binaryMessageHandler(ws::writeBinaryMessage);
        })
        .requestHandler(this::page);
    return server.listen().map(this);
  }

  public int port() {
    return server.actualPort();
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void page(HttpServerRequest request) {
    if (request.path().equals("/api/hello")) {
      request.response().putHeader("Content-Type", "application/json").end("{\"hello\":\"from the sandbox\"}");
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
      <p>This page came from the demo sandbox through the runtime gateway.</p>
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
