package dev.openhands.runtime.loadtest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steady load on warm conversations for a fixed time, counting answers by status; meant to run while the
 * registry is taken away and brought back (see {@code loadtest/bench/registry-outage.sh}). Prints per-5 s
 * counts and the totals.
 *
 * <p>Usage: {@code RegistryOutageLoad <gateway port> <sandbox port> <sandboxes> <seconds> <concurrency> <secret>}.
 */
public final class RegistryOutageLoad {

  private RegistryOutageLoad() {}

  public static void main(String[] args) throws Exception {
    int gatewayPort = Integer.parseInt(args[0]);
    int sandboxPort = Integer.parseInt(args[1]);
    int sandboxes = Integer.parseInt(args[2]);
    long seconds = Long.parseLong(args[3]);
    int concurrency = Integer.parseInt(args[4]);
    String secret = args[5];
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(concurrency));
    Map<String, AtomicLong> byOutcome = new ConcurrentHashMap<>();
    AtomicLong sent = new AtomicLong();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    CountDownLatch done = new CountDownLatch(concurrency);
    io.vertx.core.Context context = vertx.getOrCreateContext();
    for (int i = 0; i < concurrency; i++) {
      int loop = i;
      context.runOnContext(v -> next(client, gatewayPort, sandboxPort, sandboxes, secret, loop, deadline, sent,
          byOutcome, done));
    }
    long start = System.nanoTime();
    long lastSent = 0;
    while (done.getCount() > 0) {
      Thread.sleep(5000);
      long now = sent.get();
      System.out.printf("t=%3ds sent=%d (+%d) %s%n", (System.nanoTime() - start) / 1_000_000_000L, now,
          now - lastSent, new TreeMap<>(byOutcome));
      lastSent = now;
    }
    long ok = byOutcome.getOrDefault("200", new AtomicLong()).get();
    System.out.printf("TOTAL sent=%d ok=%d failed=%d %s%n", sent.get(), ok, sent.get() - ok, new TreeMap<>(byOutcome));
    vertx.close();
    System.exit(0);
  }

  private static void next(HttpClient client, int gatewayPort, int sandboxPort, int sandboxes, String secret,
      int loop, long deadline, AtomicLong sent, Map<String, AtomicLong> byOutcome, CountDownLatch done) {
    if (System.nanoTime() > deadline) {
      done.countDown();
      return;
    }
    String host = sandboxPort + "-" + SandboxFarm.conversation((int) (sent.get() + loop) % sandboxes)
        + ".runtime.localhost";
    sent.incrementAndGet();
    Future<Integer> status = client.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1")
            .setPort(gatewayPort).setURI("/1k").setTimeout(10_000)
            .setHeaders(HttpHeaders.headers().set("Host", host).set("X-Origin-Verify", secret)))
        .compose(request -> request.send())
        .compose(response -> response.body().map(b -> response.statusCode()));
    status.onComplete(ar -> {
      String outcome = ar.succeeded() ? Integer.toString(ar.result()) : ar.cause().getClass().getSimpleName();
      byOutcome.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
      next(client, gatewayPort, sandboxPort, sandboxes, secret, loop, deadline, sent, byOutcome, done);
    });
  }
}
