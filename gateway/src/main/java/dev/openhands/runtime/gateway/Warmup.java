package dev.openhands.runtime.gateway;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.openhands.runtime.common.config.Durations;
import dev.openhands.runtime.gateway.chain.RequestPath;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.config.RuntimeAuth;
import dev.openhands.runtime.gateway.ops.AccessLog;
import dev.openhands.runtime.gateway.ops.GatewayMetrics;
import dev.openhands.runtime.gateway.ops.HealthCheck;
import dev.openhands.runtime.gateway.ops.WarmupTraffic;
import dev.openhands.runtime.gateway.proxy.SandboxAdmission;
import dev.openhands.runtime.gateway.registry.ActivityRecorder;
import dev.openhands.runtime.gateway.registry.RouteCache;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import dev.openhands.runtime.gateway.security.OriginVerifier;
import dev.openhands.runtime.gateway.security.RuntimeHandshake;
import dev.openhands.runtime.gateway.security.RuntimeSessions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import java.io.OutputStream;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warms the request path before the public listeners open: listeners of the same code, on a loopback port, with
 * the gateway's own configuration and verifiers, carry {@link WarmupTraffic} to a loopback sandbox. The sandbox is
 * a conversation of a random id that only the warm-up's route cache knows (a few requests go to conversations nobody
 * has, read from the registry and answered 404); nothing of the warm-up is written to the registry, the metrics or
 * the access log, and it is all closed before the public listeners bind. A warm-up that
 * fails is logged and the gateway starts cold.
 */
final class Warmup {

  /** The owner of the warm-up's sandbox, who its requests sign in as. */
  static final String USER = "gateway-warm-up";
  private static final String DOMAIN = "runtime.warm-up.invalid";
  private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private Warmup() {}

  /**
   * Warms the path of {@code real}'s configuration; completes (never fails) once warm or given up, with what the
   * warm-up did, or {@code null} when WARMUP_LIMIT is zero or it failed.
   *
   * @param registryRead the registry's own read, for the warm-up's requests to conversations nobody has (row 5's
   *     404: a cache miss, the SDK's client on its own event loops); nothing is written
   */
  static Future<WarmupTraffic.Outcome> run(Vertx vertx, RequestPath.Shared real,
      Function<String, CompletableFuture<SandboxRoute>> registryRead, int instances) {
    GatewayConfig config = real.config();
    if (config.warmupLimit().isZero()) {
      return Future.succeededFuture();
    }
    String conversationId = randomId();
    AccessLog discarded = new AccessLog(OutputStream.nullOutputStream(), 65_536);
    RequestPath.Shared warm = warmShared(real, conversationId, registryRead, discarded);
    List<Listener> listeners = new CopyOnWriteArrayList<>();
    return WarmupTraffic.startSandbox(vertx).compose(sandbox -> vertx.deployVerticle(
            () -> new Listener(warm, "127.0.0.1", 0, listeners::add), new DeploymentOptions().setInstances(instances))
        .compose(deployment -> WarmupTraffic.send(vertx, listeners.get(0).actualPort(),
                headers(config, sandbox.actualPort(), conversationId, true),
                headers(config, sandbox.actualPort(), conversationId, false),
                n -> headers(config, sandbox.actualPort(), randomId(), false), config.warmupLimit())
            .eventually(() -> Future.join(listeners.stream().map(l -> l.shutdown(100)).toList()))
            .eventually(() -> vertx.undeploy(deployment)))
        .eventually(() -> sandbox.close()))
        .andThen(ar -> close(discarded))
        .onSuccess(outcome -> log(outcome, config))
        .onFailure(err -> LOG.warn("warm-up failed, starting cold: {}", err.toString()))
        .otherwise((WarmupTraffic.Outcome) null);
  }

  /** The gateway's verifiers and configuration; its own route cache, records, metrics and limits. */
  private static RequestPath.Shared warmShared(RequestPath.Shared real, String conversationId,
      Function<String, CompletableFuture<SandboxRoute>> registryRead, AccessLog log) {
    GatewayConfig config = real.config();
    SandboxRoute route = new SandboxRoute.Running("127.0.0.1", USER);
    RouteCache routes = new RouteCache(
        id -> id.equals(conversationId) ? CompletableFuture.completedFuture(route) : registryRead.apply(id),
        Gateway.routeSettings(config, 16),
        Ticker.systemTicker(), ForkJoinPool.commonPool());
    ActivityRecorder noRecords = new ActivityRecorder(id -> CompletableFuture.completedFuture(null),
        config.activityInterval(), 1, Ticker.systemTicker());
    return new RequestPath.Shared(config, new HealthCheck(), routes, noRecords,
        new SandboxAdmission(config.sandboxMaxConnections()), real.idTokens(), real.handshake(), null,
        real.console(), new GatewayMetrics(), log);
  }

  /**
   * What the CDN and the edge function send with a signed-in user's request to the warm-up sandbox's host: with
   * {@code browser}, also what a browser adds (cookies, a user agent, a trace id); without, the Host and the proofs.
   */
  static MultiMap headers(GatewayConfig config, int sandboxPort, String conversationId, boolean browser) {
    String host = sandboxPort + "-" + conversationId + "." + DOMAIN;
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Host", host);
    if (browser) {
      headers.add("User-Agent", "gateway-warm-up").add("Accept", "*/*")
          .add("X-Amzn-Trace-Id", "Root=1-00000000-000000000000000000000000");
    }
    if (!config.originVerifySecrets().isEmpty()) {
      headers.add(OriginVerifier.HEADER, config.originVerifySecrets().get(0));
    }
    List<String> cookies = new ArrayList<>();
    if (browser) {
      cookies.add("theme=dark");
      cookies.add("__Host-id_token=not-for-the-sandbox");
    }
    if (config.runtimeAuth() == RuntimeAuth.OWNER && config.signsInRuntimeHosts()) {
      String session = new RuntimeSessions(config.runtimeSessionSecrets(), Clock.systemUTC())
          .session(USER, host, Clock.systemUTC().instant().getEpochSecond() + 3600);
      cookies.add(RuntimeHandshake.SESSION_COOKIE + "=" + session);
    } else if (config.runtimeAuth() == RuntimeAuth.OWNER) {
      headers.add("X-Cognito-User-Id", USER);
    }
    if (!cookies.isEmpty()) {
      headers.add("Cookie", String.join("; ", cookies));
    }
    return headers;
  }

  private static String randomId() {
    byte[] random = new byte[16];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }

  private static void log(WarmupTraffic.Outcome outcome, GatewayConfig config) {
    String why = outcome.jitQuiet() ? "the JIT is quiet" : "WARMUP_LIMIT " + Durations.format(config.warmupLimit());
    if (outcome.notOk() > 0) {
      LOG.warn("warm-up: {} of {} requests were not answered 200 (first: {}); the path is only partly warm",
          outcome.notOk(), outcome.requests(), outcome.firstNotOkStatus());
    }
    LOG.info("warmed up: {} requests through the request path in {} ms, until {}", outcome.requests(),
        outcome.took().toMillis(), why);
  }

  private static void close(AccessLog log) {
    try {
      log.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
