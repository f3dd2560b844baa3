package dev.openhands.runtime.gateway.ops;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * The traffic a gateway sends through its own request path before it takes any (so that the JIT has compiled that
 * path when the load balancer's first request arrives), and the loopback sandbox it goes to. Requests go in rounds;
 * warming stops once a round leaves the JIT quiet (it compiled next to nothing more) after at least
 * {@link #MIN_REQUESTS}, or at the time limit, whichever comes first. Everything listens on 127.0.0.1 only.
 */
public final class WarmupTraffic {

  /** Requests before the JIT's quiet counts: enough for every hot method to reach the optimizing compiler. */
  static final int MIN_REQUESTS = 12_000;
  private static final int ROUND = 2_000;
  private static final int IN_FLIGHT = 32;
  /** One request in this many goes to a conversation nobody has. */
  static final int MISS_EVERY = 50;
  /** A round that compiled for less than this share of its time leaves the JIT quiet. */
  private static final double QUIET_SHARE = 0.02;
  private static final String[] TARGETS = {"/warm/2", "/warm/1024", "/warm/16384", "/warm/echo"};
  private static final Buffer POST_BODY = Buffer.buffer(new byte[1024]);

  /** What warming did: requests sent, how many were not answered 200, how long it took, and why it stopped. */
  public record Outcome(long requests, long notOk, int firstNotOkStatus, Duration took, boolean jitQuiet) {}

  private WarmupTraffic() {}

  /**
   * A sandbox on a free loopback port: {@code /warm/{n}} answers n bytes with a cookie to rewrite, {@code /warm/echo}
   * answers the request's body.
   */
  public static Future<HttpServer> startSandbox(Vertx vertx) {
    Buffer[] bodies = {Buffer.buffer(new byte[2]), Buffer.buffer(new byte[1024]), Buffer.buffer(new byte[16384])};
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(request -> request.body().onComplete(read -> {
          String path = request.path();
          Buffer body = switch (path) {
            case "/warm/echo" -> read.succeeded() ? read.result() : Buffer.buffer();
            case "/warm/2" -> bodies[0];
            case "/warm/1024" -> bodies[1];
            default -> bodies[2];
          };
          request.response().putHeader("Content-Type", "application/octet-stream")
              .putHeader("Set-Cookie", "warm=1; Path=/")
              .end(body);
        }))
        .listen();
  }

  /**
   * Sends requests to {@code 127.0.0.1:port} until the JIT is quiet or {@code limit} has passed, alternating two
   * shapes of head, so that the compiled path does not assume one and fall back to the interpreter when real
   * traffic brings the other: {@code full} (what a browser sends: Host, whatever proves the caller, cookies, a user
   * agent, a trace id) and {@code minimal} (Host and the proof only, as a load balancer's or a script's requests
   * are). One request in {@link #MISS_EVERY} goes with {@code miss.apply(n)}'s head, to a conversation nobody has
   * (a route cache miss and a registry read), whatever its answer. Never fails: what went wrong is in the outcome.
   */
  public static Future<Outcome> send(Vertx vertx, int port, MultiMap full, MultiMap minimal,
      LongFunction<MultiMap> miss, Duration limit) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(port).setKeepAlive(true).setName("warm-up"), new PoolOptions().setHttp1MaxSize(IN_FLIGHT));
    Run run = new Run(client, new MultiMap[] {full, minimal}, miss, System.nanoTime() + limit.toNanos());
    return run.rounds().eventually(() -> client.close()).map(v -> run.outcome());
  }

  /** One warm-up: its rounds run one after the other, each keeping {@link #IN_FLIGHT} requests going. */
  private static final class Run {

    private final HttpClient client;
    private final MultiMap[] heads;
    private final LongFunction<MultiMap> miss;
    private final long deadline;
    private final long started = System.nanoTime();
    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong notOk = new AtomicLong();
    private volatile int firstNotOk;
    private boolean quiet;

    Run(HttpClient client, MultiMap[] heads, LongFunction<MultiMap> miss, long deadline) {
      this.client = client;
      this.heads = heads;
      this.miss = miss;
      this.deadline = deadline;
    }

    Future<Void> rounds() {
      long roundStarted = System.nanoTime();
      long compiledBefore = compileMillis();
      return round().compose(v -> {
        long roundMillis = (System.nanoTime() - roundStarted) / 1_000_000;
        quiet = sent.get() >= MIN_REQUESTS && compileMillis() - compiledBefore <= QUIET_SHARE * roundMillis;
        return quiet || System.nanoTime() >= deadline ? Future.succeededFuture() : rounds();
      });
    }

    private Future<Void> round() {
      Promise<Void> done = Promise.promise();
      AtomicLong left = new AtomicLong(ROUND);
      AtomicLong running = new AtomicLong(IN_FLIGHT);
      for (int i = 0; i < IN_FLIGHT; i++) {
        next(left, running, done);
      }
      return done.future();
    }

    /** Sends one request, then the next, until the round's quota is used; the last to finish ends the round. */
    private void next(AtomicLong left, AtomicLong running, Promise<Void> done) {
      if (left.getAndDecrement() <= 0 || System.nanoTime() >= deadline) {
        if (running.decrementAndGet() == 0) {
          done.complete();
        }
        return;
      }
      long n = sent.getAndIncrement();
      String target = TARGETS[(int) (n % TARGETS.length)];
      boolean missing = n % MISS_EVERY == MISS_EVERY - 1;
      MultiMap head = missing ? miss.apply(n) : heads[(int) (n / TARGETS.length % heads.length)];
      boolean post = target.endsWith("echo");
      client.request(new RequestOptions().setMethod(post ? HttpMethod.POST : HttpMethod.GET).setURI(target)
              .setHeaders(MultiMap.caseInsensitiveMultiMap().addAll(head)))
          .compose(request -> post ? request.send(POST_BODY) : request.send())
          .compose(response -> response.body().map(body -> response.statusCode()))
          .onComplete(answer -> {
            int status = answer.succeeded() ? answer.result() : -1;
            if (status != 200 && !missing && notOk.getAndIncrement() == 0) {
              firstNotOk = status;
            }
            next(left, running, done);
          });
    }

    private long compileMillis() {
      return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : 0;
    }

    Outcome outcome() {
      return new Outcome(sent.get(), notOk.get(), firstNotOk, Duration.ofNanos(System.nanoTime() - started), quiet);
    }
  }
}
