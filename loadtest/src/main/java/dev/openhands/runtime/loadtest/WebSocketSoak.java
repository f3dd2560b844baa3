package dev.openhands.runtime.loadtest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Opens many idle WebSockets through the gateway, spread over the sandboxes of a {@link SandboxFarm}, holds
 * them, checks each still echoes, and closes them. Prints {@code OPEN n} once all are open (the moment to
 * measure the gateway's memory) and a summary at the end.
 *
 * <p>Usage: {@code WebSocketSoak <gateway port> <sandbox port> <sandboxes> <sockets> <hold seconds> <origin secret>}.
 */
public final class WebSocketSoak {

  private WebSocketSoak() {}

  public static void main(String[] args) throws Exception {
    int gatewayPort = Integer.parseInt(args[0]);
    int sandboxPort = Integer.parseInt(args[1]);
    int sandboxes = Integer.parseInt(args[2]);
    int sockets = Integer.parseInt(args[3]);
    long holdSeconds = Long.parseLong(args[4]);
    String secret = args[5];

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(sockets)
        .setConnectTimeout(30_000));
    ConcurrentLinkedQueue<WebSocket> open = new ConcurrentLinkedQueue<>();
    AtomicInteger failed = new AtomicInteger();
    long started = System.nanoTime();
    int batch = 200;
    for (int from = 0; from < sockets; from += batch) {
      List<Future<WebSocket>> opening = new ArrayList<>();
      for (int i = from; i < Math.min(sockets, from + batch); i++) {
        int sandbox = i % sandboxes;
        String host = sandboxPort + "-" + SandboxFarm.conversation(sandbox) + ".runtime.localhost";
        opening.add(client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gatewayPort)
                .setURI("/soak/" + i).setHeaders(HttpHeaders.headers().set("Host", host).set("X-Origin-Verify", secret)))
            .onSuccess(open::add)
            .onFailure(err -> {
              if (failed.incrementAndGet() <= 5) {
                System.err.println("connect failed: " + err);
              }
            }));
      }
      Future.join(opening).toCompletionStage().toCompletableFuture().exceptionally(err -> null).get();
    }
    System.out.printf("OPEN %d (failed %d) in %d ms%n", open.size(), failed.get(),
        (System.nanoTime() - started) / 1_000_000);
    Thread.sleep(holdSeconds * 1000);

    AtomicInteger echoed = new AtomicInteger();
    List<Future<Void>> checks = new ArrayList<>();
    for (WebSocket ws : open) {
      io.vertx.core.Promise<Void> got = io.vertx.core.Promise.promise();
      ws.textMessageHandler(text -> {
        echoed.incrementAndGet();
        got.tryComplete();
      });
      ws.writeTextMessage("still there?");
      checks.add(got.future());
    }
    Future.join(checks).toCompletionStage().toCompletableFuture().exceptionally(err -> null)
        .get(60, java.util.concurrent.TimeUnit.SECONDS);
    System.out.printf("ECHOED %d of %d after holding %d s%n", echoed.get(), open.size(), holdSeconds);
    List<Future<Void>> closing = new ArrayList<>();
    for (WebSocket ws : open) {
      closing.add(ws.close());
    }
    Future.join(closing).toCompletionStage().toCompletableFuture().exceptionally(err -> null).get();
    vertx.close();
    System.exit(failed.get() == 0 && echoed.get() == open.size() ? 0 : 1);
  }
}
