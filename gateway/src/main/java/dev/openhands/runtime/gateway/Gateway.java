package dev.openhands.runtime.gateway;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.common.config.Durations;
import dev.openhands.runtime.gateway.ops.DrainPlan;
import dev.openhands.runtime.gateway.ops.AccessLog;
import dev.openhands.runtime.gateway.ops.GatewayMetrics;
import dev.openhands.runtime.gateway.ops.HealthCheck;
import dev.openhands.runtime.gateway.proxy.HttpForwarder;
import dev.openhands.runtime.gateway.proxy.SandboxAdmission;
import dev.openhands.runtime.gateway.proxy.UpstreamClients;
import dev.openhands.runtime.gateway.proxy.WebSocketProxy;
import dev.openhands.runtime.gateway.registry.ActivityRecorder;
import dev.openhands.runtime.gateway.registry.DynamoClients;
import dev.openhands.runtime.gateway.registry.RouteCache;
import dev.openhands.runtime.gateway.registry.SandboxRegistry;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import dev.openhands.runtime.gateway.security.IdTokenVerifier;
import dev.openhands.runtime.gateway.security.JwksKeys;
import dev.openhands.runtime.gateway.security.RequestHeadGuard;
import dev.openhands.runtime.gateway.security.RuntimeHandshake;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The running gateway: one {@link Listener} per event loop. Each listener owns its server and its
 * upstream clients, so that an exchange never crosses event loops (a response whose connection lives on
 * another loop than its request can lose its first chunks in Vert.x 5); all listeners share the route
 * cache and the health state. {@link #start} returns once every listener is bound.
 */
public final class Gateway {

  /**
   * Longest request line accepted, without its CRLF; CloudFront's URL limit is 8,192 bytes (row 14). The
   * ALB talks HTTP/1.1 to targets, so clear-text HTTP/2 is off (it would also set the pipeline up only
   * after the first read, too late for {@link RequestHeadGuard}).
   */
  public static final int MAX_REQUEST_LINE = 8192;

  /** Header bytes accepted: CloudFront's 20,480 plus room for what CloudFront, Lambda@Edge and the ALB add. */
  public static final int MAX_HEADER_BYTES = 20480 + 2048;

  private static final Duration STOP_GRACE = Duration.ofSeconds(1);
  /** A request head must arrive whole within this (slowloris); CloudFront and the ALB send heads at once. */
  public static final Duration REQUEST_HEAD_TIMEOUT = Duration.ofSeconds(15);
  /** Registry writes of last_activity_at running at once; more are dropped and retried a minute later. */
  private static final int ACTIVITY_WRITES_IN_FLIGHT = 32;
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

  private final Vertx vertx;
  private final GatewayConfig config;
  private final DynamoDbAsyncClient dynamo;
  private final RouteCache routes;
  private final ActivityRecorder activity;
  private final SandboxAdmission admission;
  private final HttpClient jwksClient;
  private final IdTokenVerifier idTokens;
  private final RuntimeHandshake handshake;
  private final HealthCheck health = new HealthCheck();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final GatewayMetrics metrics = new GatewayMetrics();
  private final AccessLog accessLog = new AccessLog(System.out, 65_536);
  private HttpServer admin;

  private Gateway(Vertx vertx, GatewayConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.dynamo = DynamoClients.create(config);
    SandboxRegistry registry = new SandboxRegistry(dynamo, config.sandboxTable());
    this.routes = new RouteCache(conversationId -> timed(registry, conversationId),
        new RouteCache.Settings(config.routeRefresh(), config.routeMaxStale(), config.routeNegativeTtl(),
            config.routeCacheMax()),
        Ticker.systemTicker(), ForkJoinPool.commonPool());
    this.activity = new ActivityRecorder(dynamo, config.sandboxTable(), config.activityInterval(),
        ACTIVITY_WRITES_IN_FLIGHT, Ticker.systemTicker(), Clock.systemUTC());
    this.admission = new SandboxAdmission(config.sandboxMaxConnections());
    if (config.verifiesIdTokens()) {
      // No keep-alive: key fetches are rare, and each then runs on the event loop that asked.
      this.jwksClient = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setConnectTimeout(5000)
          .setName("jwks"));
      JwksKeys keys = new JwksKeys(jwksClient, config.cognitoIssuer(), System::nanoTime);
      this.idTokens = new IdTokenVerifier(config.cognitoIssuer(), config.cognitoClientId(), keys, Clock.systemUTC());
    } else {
      this.jwksClient = null;
      this.idTokens = null;
    }
    this.handshake = config.signsInRuntimeHosts()
        ? new RuntimeHandshake(config.signInUrl(), config.runtimeSessionSecrets(), Clock.systemUTC())
        : null;
  }

  /** Starts a gateway on its own Vert.x instance. */
  public static Future<Gateway> start(GatewayConfig config) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    Gateway gateway = new Gateway(vertx, config);
    gateway.registerMeters();
    return gateway.listenAdmin().compose(v -> gateway.listen()).map(gateway)
        .recover(err -> gateway.stop().transform(ignored -> Future.failedFuture(err)));
  }

  private CompletableFuture<SandboxRoute> timed(SandboxRegistry registry, String conversationId) {
    long started = System.nanoTime();
    return registry.lookup(conversationId)
        .whenComplete((route, err) -> metrics.registryRead(err == null, System.nanoTime() - started));
  }

  private void registerMeters() {
    routes.bindTo(metrics.registry());
    metrics.gauge("gateway_websockets_open", "WebSockets being relayed", this, Gateway::openWebSockets);
    metrics.gauge("gateway_draining", "1 once SIGTERM was received", health, h -> h.draining() ? 1 : 0);
    metrics.counter("gateway_admission_refused", "Requests refused with 429 (SANDBOX_MAX_CONNECTIONS)", admission,
        SandboxAdmission::refused);
    metrics.counter("gateway_activity_writes", "last_activity_at updates started", activity, ActivityRecorder::writes);
    metrics.counter("gateway_activity_dropped", "last_activity_at updates dropped (too many in flight)", activity,
        ActivityRecorder::dropped);
    metrics.counter("gateway_access_log_dropped", "Access log lines dropped (writer behind)", accessLog,
        AccessLog::dropped);
  }

  /** Prometheus {@code /metrics} on the admin port, never exposed through the load balancer. */
  private Future<Void> listenAdmin() {
    admin = vertx.createHttpServer(new HttpServerOptions().setHost(config.bindAddress()).setPort(config.adminPort()))
        .requestHandler(request -> {
          if ("/metrics".equals(request.path())) {
            request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape());
          } else {
            request.response().setStatusCode(404).end();
          }
        });
    return admin.listen().mapEmpty();
  }

  /** The metrics, for tests. */
  public GatewayMetrics metrics() {
    return metrics;
  }

  private Future<Void> listen() {
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    return vertx.deployVerticle(Listener::new, new DeploymentOptions().setInstances(instances)).mapEmpty();
  }

  HttpServerOptions serverOptions() {
    long idleSeconds = Math.max(config.upstreamIdleTimeout().toSeconds(), config.webSocketIdleTimeout().toSeconds()) + 10;
    return new HttpServerOptions()
        .setHost(config.bindAddress())
        .setPort(config.gatewayPort())
        .setMaxInitialLineLength(MAX_REQUEST_LINE)
        .setHttp2ClearTextEnabled(false)
        .setMaxHeaderSize(MAX_HEADER_BYTES)
        .setMaxChunkSize(UpstreamClients.MAX_BODY_CHUNK)
        .setIdleTimeout((int) idleSeconds)
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        .setHandle100ContinueAutomatically(true)
        .setMaxWebSocketFrameSize(UpstreamClients.MAX_WEBSOCKET_FRAME)
        .setMaxWebSocketMessageSize(UpstreamClients.MAX_WEBSOCKET_FRAME)
        .setReuseAddress(true);
  }

  /** The network transport in use: {@code native} (epoll on Linux) when its library loads, else {@code nio}. */
  public String transport() {
    return vertx.isNativeTransportEnabled() ? "native" : "nio";
  }

  /** The health check, for draining. */
  public HealthCheck health() {
    return health;
  }

  /** Closes every relayed WebSocket with 1001 and {@code reason}. */
  public void closeWebSockets(String reason) {
    for (Listener listener : listeners) {
      listener.webSocket.closeAll(reason);
    }
  }

  /** Number of WebSockets being relayed. */
  public int openWebSockets() {
    return listeners.stream().mapToInt(l -> l.webSocket.openCount()).sum();
  }

  /** Per-sandbox admission (row 19), for tests and metrics. */
  public SandboxAdmission admission() {
    return admission;
  }

  /** The activity recorder (row 17), for tests and metrics. */
  public ActivityRecorder activity() {
    return activity;
  }

  public GatewayConfig config() {
    return config;
  }

  /**
   * Leaves service as {@code plan} says (row 18): unhealthy at once, serving until the delay ends, then
   * WebSockets get 1001, listeners stop accepting and in-flight requests finish within the plan's window.
   * The future completes when everything is closed; the caller exits.
   */
  public Future<Void> drain(DrainPlan plan) {
    health.startDraining();
    LOG.info("draining: /health answers 503; serving for {} more, then closing (exit within {})",
        Durations.format(plan.delay()), Durations.format(plan.timeout()));
    Promise<Void> delayed = Promise.promise();
    vertx.setTimer(Math.max(1, plan.delay().toMillis()), id -> delayed.complete());
    return delayed.future().compose(v -> {
      LOG.info("drain delay over: closing {} WebSockets and the listeners", openWebSockets());
      closeWebSockets("server going away");
      long window = plan.finishWindow().toMillis();
      List<Future<Void>> closing = listeners.stream().map(l -> l.shutdown(window)).toList();
      return Future.join(closing).eventually(this::closeAdmin);
    }).eventually(() -> vertx.close()).andThen(ar -> closeResources()).mapEmpty();
  }

  private Future<Void> closeAdmin() {
    return admin == null ? Future.succeededFuture() : admin.shutdown(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void closeResources() {
    dynamo.close();
    try {
      accessLog.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops at once: open WebSockets get 1001, listeners and clients give what is still running one second,
   * then Vert.x closes (its own default would wait 30 s for every open connection).
   */
  public Future<Void> stop() {
    closeWebSockets("gateway stopping");
    List<Future<Void>> closing = listeners.stream().map(l -> l.shutdown(STOP_GRACE.toMillis())).toList();
    return Future.join(closing)
        .eventually(this::closeAdmin)
        .eventually(() -> vertx.close())
        .andThen(ar -> closeResources())
        .mapEmpty();
  }

  /** One listener on one event loop, with the upstream clients its exchanges use. */
  private final class Listener extends VerticleBase {
    private UpstreamClients clients;
    private WebSocketProxy webSocket;
    private HttpServer server;

    @Override
    public Future<?> start() {
      clients = new UpstreamClients(vertx, config);
      webSocket = new WebSocketProxy(vertx, clients.webSocket(), config.upstreamConnectTimeout(),
          config.webSocketIdleTimeout());
      HttpForwarder http = new HttpForwarder(clients.http(), config.upstreamIdleTimeout());
      RequestPipeline pipeline = new RequestPipeline(config, health, routes, activity, admission, idTokens,
          handshake, http, webSocket, metrics, accessLog);
      HttpServerOptions options = serverOptions();
      server = vertx.createHttpServer(options)
          .connectionHandler(connection -> RequestHeadGuard.install(connection, options, REQUEST_HEAD_TIMEOUT))
          .requestHandler(pipeline);
      listeners.add(this);
      return server.listen();
    }

    /** Stops accepting, lets exchanges in flight finish for up to {@code graceMs}, then closes. */
    Future<Void> shutdown(long graceMs) {
      return server.shutdown(graceMs, TimeUnit.MILLISECONDS)
          .eventually(() -> clients.close(STOP_GRACE));
    }
  }
}
