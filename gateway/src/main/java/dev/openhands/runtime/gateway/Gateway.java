package dev.openhands.runtime.gateway;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.ops.HealthCheck;
import dev.openhands.runtime.gateway.proxy.HttpForwarder;
import dev.openhands.runtime.gateway.proxy.UpstreamClients;
import dev.openhands.runtime.gateway.proxy.WebSocketProxy;
import dev.openhands.runtime.gateway.registry.DynamoClients;
import dev.openhands.runtime.gateway.registry.RouteCache;
import dev.openhands.runtime.gateway.registry.SandboxRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.VerticleBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;

/**
 * The running gateway: one listener per event loop, all sharing the route cache and the upstream clients.
 * {@link #start} returns once every listener is bound; {@link #stop} closes them and the clients.
 */
public final class Gateway {

  /** Longest request line accepted; CloudFront's URL limit is 8,192 bytes (row 14). */
  public static final int MAX_REQUEST_LINE = 8192;

  /** Header bytes accepted: CloudFront's 20,480 plus room for what CloudFront, Lambda@Edge and the ALB add. */
  public static final int MAX_HEADER_BYTES = 20480 + 2048;

  private final Vertx vertx;
  private final GatewayConfig config;
  private final DynamoDbAsyncClient dynamo;
  private final UpstreamClients clients;
  private final HealthCheck health = new HealthCheck();
  private final WebSocketProxy webSocket;
  private final RequestPipeline pipeline;
  private final List<HttpServer> servers = new ArrayList<>();

  private Gateway(Vertx vertx, GatewayConfig config) {
    this.vertx = vertx;
    this.config = config;
    this.dynamo = DynamoClients.create(config);
    SandboxRegistry registry = new SandboxRegistry(dynamo, config.sandboxTable());
    RouteCache routes = new RouteCache(registry::lookup,
        new RouteCache.Settings(config.routeRefresh(), config.routeMaxStale(), config.routeNegativeTtl(),
            config.routeCacheMax()),
        Ticker.systemTicker(), ForkJoinPool.commonPool());
    this.clients = new UpstreamClients(vertx, config);
    this.webSocket = new WebSocketProxy(vertx, clients.webSocket(), config.upstreamConnectTimeout(),
        config.webSocketIdleTimeout());
    HttpForwarder http = new HttpForwarder(clients.http(), config.upstreamIdleTimeout());
    this.pipeline = new RequestPipeline(config, health, routes, http, webSocket);
  }

  /** Starts a gateway on its own Vert.x instance. */
  public static Future<Gateway> start(GatewayConfig config) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    Gateway gateway = new Gateway(vertx, config);
    return gateway.listen().map(gateway).recover(err -> gateway.stop().transform(ignored -> Future.failedFuture(err)));
  }

  private Future<Void> listen() {
    int instances = Math.max(1, Runtime.getRuntime().availableProcessors());
    return vertx.deployVerticle(() -> new Listener(), new DeploymentOptions().setInstances(instances)).mapEmpty();
  }

  HttpServerOptions serverOptions() {
    long idleSeconds = Math.max(config.upstreamIdleTimeout().toSeconds(), config.webSocketIdleTimeout().toSeconds()) + 10;
    return new HttpServerOptions()
        .setHost(config.bindAddress())
        .setPort(config.gatewayPort())
        .setMaxInitialLineLength(MAX_REQUEST_LINE)
        .setMaxHeaderSize(MAX_HEADER_BYTES)
        .setIdleTimeout((int) idleSeconds)
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setTcpNoDelay(true)
        .setCompressionSupported(false)
        .setHandle100ContinueAutomatically(true)
        .setMaxWebSocketFrameSize(UpstreamClients.MAX_WEBSOCKET_FRAME)
        .setMaxWebSocketMessageSize(UpstreamClients.MAX_WEBSOCKET_FRAME)
        .setReuseAddress(true);
  }

  /** The health check, for draining. */
  public HealthCheck health() {
    return health;
  }

  /** The WebSockets being relayed. */
  public WebSocketProxy webSockets() {
    return webSocket;
  }

  public GatewayConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * Stops at once: open WebSockets get 1001, the listeners and clients give what is still running one
   * second, then Vert.x closes (its own default would wait 30 s for every open connection).
   */
  public Future<Void> stop() {
    webSocket.closeAll("gateway stopping");
    Duration grace = Duration.ofSeconds(1);
    List<Future<Void>> closing = new ArrayList<>();
    synchronized (servers) {
      for (HttpServer server : servers) {
        closing.add(server.shutdown(grace.toMillis(), TimeUnit.MILLISECONDS));
      }
    }
    return Future.join(closing)
        .eventually(() -> clients.close(grace))
        .eventually(() -> vertx.close())
        .andThen(ar -> dynamo.close())
        .mapEmpty();
  }

  /** One listener on one event loop. */
  private final class Listener extends VerticleBase {
    @Override
    public Future<?> start() {
      HttpServer server = vertx.createHttpServer(serverOptions()).requestHandler(pipeline);
      synchronized (servers) {
        servers.add(server);
      }
      return server.listen();
    }
  }
}
