package dev.openhands.runtime.gateway;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.openhands.runtime.common.config.Durations;
import dev.openhands.runtime.gateway.chain.RequestPath;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.console.Console;
import dev.openhands.runtime.gateway.console.CsrfTokens;
import dev.openhands.runtime.gateway.console.OwnedSandboxes;
import dev.openhands.runtime.gateway.ops.AccessLog;
import dev.openhands.runtime.gateway.ops.AdminServer;
import dev.openhands.runtime.gateway.ops.DrainPlan;
import dev.openhands.runtime.gateway.ops.GatewayMetrics;
import dev.openhands.runtime.gateway.ops.HealthCheck;
import dev.openhands.runtime.gateway.ops.WarmupTraffic;
import dev.openhands.runtime.gateway.proxy.SandboxAdmission;
import dev.openhands.runtime.gateway.registry.ActivityRecorder;
import dev.openhands.runtime.gateway.registry.DynamoClients;
import dev.openhands.runtime.gateway.registry.RouteCache;
import dev.openhands.runtime.gateway.registry.SandboxRegistry;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import dev.openhands.runtime.gateway.security.IdTokenVerifier;
import dev.openhands.runtime.gateway.security.JwksKeys;
import dev.openhands.runtime.gateway.security.RuntimeHandshake;
import dev.openhands.runtime.gateway.wake.SandboxWaker;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The running gateway, wired: what every listener shares (the route cache, the activity recorder, the admission
 * limits, the verifiers, the health state, metrics and the access log), one {@link Listener} per event loop, and the
 * admin server. {@link #start} warms the request path ({@link Warmup}), then returns once every listener is bound;
 * {@link #drain} and {@link #stop} take it down.
 */
public final class Gateway {

  private static final Duration STOP_GRACE = Duration.ofSeconds(1);
  /** One listener per core, each on its own event loop. */
  private static final int LISTENERS = Math.max(1, Runtime.getRuntime().availableProcessors());
  /** Registry writes of last_activity_at running at once; more are dropped and retried a minute later. */
  private static final int ACTIVITY_WRITES_IN_FLIGHT = 32;
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final Vertx vertx;
  private final GatewayConfig config;
  private final DynamoDbAsyncClient dynamo;
  private final SandboxRegistry registry;
  private final RequestPath.Shared shared;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private AdminServer admin;
  private volatile WarmupTraffic.Outcome warmup;

  private Gateway(Vertx vertx, GatewayConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.dynamo = DynamoClients.create(config);
    GatewayMetrics metrics = new GatewayMetrics();
    this.registry = new SandboxRegistry(dynamo, config.sandboxTable());
    RouteCache routes = new RouteCache(conversationId -> timed(registry, metrics, conversationId),
        routeSettings(config, config.routeCacheMax()),
        Ticker.systemTicker(), ForkJoinPool.commonPool());
    ActivityRecorder activity = new ActivityRecorder(dynamo, config.sandboxTable(), config.activityInterval(),
        ACTIVITY_WRITES_IN_FLIGHT, Ticker.systemTicker(), Clock.systemUTC());
    this.shared = new RequestPath.Shared(config, new HealthCheck(), routes, activity,
        new SandboxAdmission(config.sandboxMaxConnections()), idTokens(vertx, config), handshake(config),
        waker(vertx, config),
        new Console(new OwnedSandboxes(dynamo, config.sandboxTable()), new CsrfTokens(
            config.runtimeSessionSecrets().isEmpty() ? null : config.runtimeSessionSecrets().get(0), Clock.systemUTC()),
            routes::invalidate),
        metrics, new AccessLog(System.out, 65_536));
  }

  /** Starts a gateway on its own Vert.x instance. */
  public static Future<Gateway> start(GatewayConfig config) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    Gateway gateway = new Gateway(vertx, config);
    gateway.registerMeters();
    return AdminServer.listen(vertx, config.bindAddress(), config.adminPort(), gateway.metrics())
        .compose(admin -> {
          gateway.admin = admin;
          return Warmup.run(vertx, gateway.shared, gateway.registry::lookup, LISTENERS);
        })
        .compose(warm -> {
          gateway.warmup = warm;
          return vertx.deployVerticle(
              () -> new Listener(gateway.shared, config.bindAddress(), config.gatewayPort(), gateway.listeners::add),
              new DeploymentOptions().setInstances(LISTENERS));
        })
        .map(gateway)
        .recover(err -> gateway.stop().transform(ignored -> Future.failedFuture(err)));
  }

  /** The route cache's freshness limits from the configuration, holding at most {@code maxSize} routes. */
  static RouteCache.Settings routeSettings(GatewayConfig config, long maxSize) {
    return new RouteCache.Settings(config.routeRefresh(), config.routeMaxStale(), config.routeNegativeTtl(), maxSize);
  }

  /**
   * Id tokens verified here when COGNITO_ISSUER is set; keys fetched without keep-alive (rare, on the loop that
   * asked).
   */
  private static IdTokenVerifier idTokens(Vertx vertx, GatewayConfig config) {
    if (!config.verifiesIdTokens()) {
      return null;
    }
    JwksKeys keys = new JwksKeys(vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)
        .setConnectTimeout(5000).setName("jwks")), config.cognitoIssuer(), System::nanoTime);
    return new IdTokenVerifier(config.cognitoIssuer(), config.cognitoClientId(), keys, Clock.systemUTC());
  }

  /** One handshake for every listener (one memory of used proofs), when SIGN_IN_URL is set. */
  private static RuntimeHandshake handshake(GatewayConfig config) {
    return config.signsInRuntimeHosts()
        ? new RuntimeHandshake(config.signInUrl(), config.runtimeSessionSecrets(), Clock.systemUTC())
        : null;
  }

  /** Row 20's resume calls, when ORCHESTRATOR_URL is set: one client for all listeners (calls are rare). */
  private static SandboxWaker waker(Vertx vertx, GatewayConfig config) {
    if (!config.wakesSandboxes()) {
      return null;
    }
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setName("orchestrator")
        .setConnectTimeout((int) config.upstreamConnectTimeout().toMillis()).setKeepAliveTimeout(30),
        new PoolOptions().setHttp1MaxSize(16));
    return new SandboxWaker(client, config.orchestratorUrl(), config.orchestratorApiKey(), config.wakeCooldown(),
        Ticker.systemTicker());
  }

  private static CompletableFuture<SandboxRoute> timed(SandboxRegistry registry, GatewayMetrics metrics,
      String conversationId) {
    long started = System.nanoTime();
    return registry.lookup(conversationId)
        .whenComplete((route, err) -> metrics.registryRead(err == null, System.nanoTime() - started));
  }

  private void registerMeters() {
    GatewayMetrics metrics = metrics();
    shared.routes().bindTo(metrics.registry());
    metrics.gauge("gateway_websockets_open", "WebSockets being relayed", this, Gateway::openWebSockets);
    metrics.gauge("gateway_draining", "1 once SIGTERM was received", shared.health(), h -> h.draining() ? 1 : 0);
    metrics.counter("gateway_admission_refused", "Requests refused with 429 (SANDBOX_MAX_CONNECTIONS)",
        shared.admission(), SandboxAdmission::refused);
    metrics.counter("gateway_activity_writes", "last_activity_at updates started", shared.activity(),
        ActivityRecorder::writes);
    metrics.counter("gateway_activity_dropped", "last_activity_at updates dropped (too many in flight)",
        shared.activity(), ActivityRecorder::dropped);
    if (shared.waker() != null) {
      metrics.counter("gateway_wake_calls", "Resume calls made to the orchestrator (row 20)", shared.waker(),
          SandboxWaker::calls);
    }
    metrics.counter("gateway_access_log_dropped", "Access log lines dropped (writer behind)", shared.accessLog(),
        AccessLog::dropped);
  }

  /** What warming the request path did at start-up; empty when it was off or failed. */
  public Optional<WarmupTraffic.Outcome> warmup() {
    return Optional.ofNullable(warmup);
  }

  /** The metrics, for tests. */
  public GatewayMetrics metrics() {
    return shared.metrics();
  }

  /** The network transport in use: {@code native} (epoll on Linux) when its library loads, else {@code nio}. */
  public String transport() {
    return vertx.isNativeTransportEnabled() ? "native" : "nio";
  }

  /** The health check, for draining. */
  public HealthCheck health() {
    return shared.health();
  }

  /** Per-sandbox admission (row 19), for tests and metrics. */
  public SandboxAdmission admission() {
    return shared.admission();
  }

  /** The activity recorder (row 17), for tests and metrics. */
  public ActivityRecorder activity() {
    return shared.activity();
  }

  /** Row 20's resume calls, or {@code null} without ORCHESTRATOR_URL; for tests and metrics. */
  public SandboxWaker waker() {
    return shared.waker();
  }

  public GatewayConfig config() {
    return config;
  }

  /** Closes every relayed WebSocket with 1001 and {@code reason}. */
  public void closeWebSockets(String reason) {
    listeners.forEach(listener -> listener.webSockets().closeAll(reason));
  }

  /** Number of WebSockets being relayed. */
  public int openWebSockets() {
    return listeners.stream().mapToInt(l -> l.webSockets().openCount()).sum();
  }

  /**
   * Leaves service as {@code plan} says (row 18): unhealthy at once, serving until the delay ends, then
   * WebSockets get 1001, listeners stop accepting and in-flight requests finish within the plan's window.
   * The future completes when everything is closed; the caller exits.
   */
  public Future<Void> drain(DrainPlan plan) {
    shared.health().startDraining();
    LOG.info("draining: /health answers 503; serving for {} more, then closing (exit within {})",
        Durations.format(plan.delay()), Durations.format(plan.timeout()));
    Promise<Void> delayed = Promise.promise();
    vertx.setTimer(Math.max(1, plan.delay().toMillis()), id -> delayed.complete());
    return delayed.future().compose(v -> {
      LOG.info("drain delay over: closing {} WebSockets and the listeners", openWebSockets());
      return closeAll("server going away", plan.finishWindow());
    });
  }

  /**
   * Stops at once: open WebSockets get 1001, listeners and clients give what is still running one second,
   * then Vert.x closes (its own default would wait 30 s for every open connection).
   */
  public Future<Void> stop() {
    return closeAll("gateway stopping", STOP_GRACE);
  }

  private Future<Void> closeAll(String reason, Duration grace) {
    closeWebSockets(reason);
    List<Future<Void>> closing = listeners.stream().map(l -> l.shutdown(grace.toMillis())).toList();
    return Future.join(closing)
        .eventually(() -> admin == null ? Future.succeededFuture() : admin.close(STOP_GRACE))
        .eventually(() -> vertx.close())
        .andThen(ar -> closeResources())
        .mapEmpty();
  }

  private void closeResources() {
    dynamo.close();
    try {
      shared.accessLog().close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
