package dev.openhands.runtime.orchestrator;

import dev.openhands.runtime.common.config.Durations;
import dev.openhands.runtime.orchestrator.agent.AgentServer;
import dev.openhands.runtime.orchestrator.api.ApiLog;
import dev.openhands.runtime.orchestrator.api.RuntimeApi;
import dev.openhands.runtime.orchestrator.aws.AwsClients;
import dev.openhands.runtime.orchestrator.config.OrchestratorConfig;
import dev.openhands.runtime.orchestrator.config.ProviderKind;
import dev.openhands.runtime.orchestrator.lifecycle.ConversationData;
import dev.openhands.runtime.orchestrator.lifecycle.Launcher;
import dev.openhands.runtime.orchestrator.lifecycle.SandboxLifecycle;
import dev.openhands.runtime.orchestrator.lifecycle.StoredConversationData;
import dev.openhands.runtime.orchestrator.lifecycle.Teardown;
import dev.openhands.runtime.orchestrator.ops.OrchestratorMetrics;
import dev.openhands.runtime.orchestrator.owner.OwnerDirectory;
import dev.openhands.runtime.orchestrator.owner.OwnerResolver;
import dev.openhands.runtime.orchestrator.provider.SandboxProvider;
import dev.openhands.runtime.orchestrator.provider.ecs.EcsProvider;
import dev.openhands.runtime.orchestrator.provider.local.LocalProvider;
import dev.openhands.runtime.orchestrator.reconcile.Reconciler;
import dev.openhands.runtime.orchestrator.registry.SandboxStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.ecs.EcsAsyncClient;
import software.amazon.awssdk.services.efs.EfsAsyncClient;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3AsyncClientBuilder;

/**
 * The running orchestrator: the API and admin listeners, the lifecycle and the reconciler, all on one event loop
 * (the orchestrator's work is a few calls a second; one loop keeps every step of a sandbox in order).
 */
public final class Orchestrator {

  private static final Logger LOG = LoggerFactory.getLogger(Orchestrator.class);
  /** A registry call slower than this fails (and the API answers 503). */
  static final Duration REGISTRY_TIMEOUT = Duration.ofSeconds(3);

  /**
   * Timings that are not configuration (tests shorten them).
   *
   * @param answerWithin a start or resume answers within this with RUNNING or STARTING (the app's HTTP timeout is
   *     15 s; the design asks for 8)
   * @param pollInterval the first wait between two looks at a starting task (doubling to 2 s)
   */
  public record Tuning(Duration answerWithin, Duration pollInterval) {
    public static final Tuning DEFAULT = new Tuning(Duration.ofSeconds(7), Duration.ofMillis(200));
  }

  private final Vertx vertx;
  private final Context context;
  private final OrchestratorConfig config;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final OrchestratorMetrics metrics = new OrchestratorMetrics();
  private final AwsClients aws;
  private final DynamoDbAsyncClient dynamo;
  private final SandboxProvider provider;
  private final AgentServer agent;
  private final Launcher launcher;
  private final Reconciler reconciler;
  private final RuntimeApi api;
  private HttpServer apiServer;
  private HttpServer adminServer;

  private Orchestrator(Vertx vertx, Context context, OrchestratorConfig config, Tuning tuning) {
    this.vertx = vertx;
    this.context = context;
    this.config = config;
    this.aws = new AwsClients(config.awsRegion());
    this.dynamo = aws.build(DynamoDbAsyncClient.builder(), config.dynamoDbEndpoint(), REGISTRY_TIMEOUT);
    SandboxStore store = new SandboxStore(dynamo, config.sandboxTable(), context, Clock.systemUTC());
    this.provider = provider(context);
    this.agent = new AgentServer(vertx, Duration.ofSeconds(5));
    Teardown teardown = new Teardown(provider, store, metrics);
    this.launcher = new Launcher(vertx, store, provider, agent, teardown, metrics,
        new Launcher.Settings(config.agentServerPort(), tuning.pollInterval()));
    OwnerResolver owners = config.looksUpOwners() ? new OwnerResolver(vertx, store, new OwnerDirectory(vertx,
        config.ownerDbUrl(), config.ownerDbUser(), config.ownerDbPassword(), config.ownerDbQuery())) : null;
    S3AsyncClient s3 = config.dataBucket() == null ? null : aws.build(s3Builder(config), config.s3Endpoint());
    ConversationData data = config.workspaceRoot() == null && s3 == null ? ConversationData.NONE
        : new StoredConversationData(vertx, context, config.workspaceRoot(), s3, config.dataBucket());
    SandboxLifecycle lifecycle = new SandboxLifecycle(vertx, store, launcher, teardown, owners, data, metrics,
        new SandboxLifecycle.Settings(config.startTimeout(), config.agentServerPort(), tuning.answerWithin()));
    this.reconciler = new Reconciler(vertx, store, provider, launcher, teardown, agent, owners, data, metrics,
        new Reconciler.Settings(config.reconcileInterval(), config.idleTimeout(), config.retention(),
            config.agentServerPort()));
    this.api = new RuntimeApi(lifecycle, config.apiKeys(), metrics, new ApiLog(System.out), config.agentServerPort(),
        draining::get);
    metrics.gauge("orchestrator_launches_in_flight", "Starts this instance is bringing up", launcher::launching);
    metrics.gauge("orchestrator_draining", "1 once SIGTERM was received", () -> draining.get() ? 1 : 0);
  }

  /**
   * S3 itself, or with {@code S3_ENDPOINT} an S3-compatible server: addressed by path rather than bucket host name,
   * and sent checksums only where an operation requires one (such servers may refuse the SDK's newer headers).
   */
  private static S3AsyncClientBuilder s3Builder(OrchestratorConfig config) {
    S3AsyncClientBuilder builder = S3AsyncClient.builder();
    if (config.s3Endpoint() != null) {
      builder.forcePathStyle(true)
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
    return builder;
  }

  private SandboxProvider provider(Context context) {
    if (config.provider() == ProviderKind.LOCAL) {
      Path logs = Path.of(System.getProperty("java.io.tmpdir"), "openhands-local-sandboxes");
      return new LocalProvider(vertx, config.localSandboxCommand(), config.agentServerPort(), logs);
    }
    EcsAsyncClient ecs = aws.build(EcsAsyncClient.builder(), config.ecs().ecsEndpoint());
    EfsAsyncClient efs = aws.build(EfsAsyncClient.builder(), config.ecs().efsEndpoint());
    return new EcsProvider(ecs, efs, config.ecs(), context);
  }

  /** Starts an orchestrator on its own Vert.x instance; completes once both listeners are bound. */
  public static Future<Orchestrator> start(OrchestratorConfig config) {
    return start(config, Tuning.DEFAULT);
  }

  /** As {@link #start(OrchestratorConfig)}, with other timings. */
  public static Future<Orchestrator> start(OrchestratorConfig config, Tuning tuning) {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
    Context context = vertx.getOrCreateContext();
    Promise<Orchestrator> started = Promise.promise();
    context.runOnContext(v -> {
      Orchestrator orchestrator;
      try {
        orchestrator = new Orchestrator(vertx, context, config, tuning);
      } catch (RuntimeException e) {
        vertx.close();
        started.fail(e);
        return;
      }
      orchestrator.listen().onSuccess(ignored -> orchestrator.reconciler.start()).map(orchestrator)
          .recover(err -> orchestrator.stop().transform(ignored -> Future.failedFuture(err)))
          .onComplete(started);
    });
    return started.future();
  }

  private Future<Void> listen() {
    apiServer = vertx.createHttpServer(new HttpServerOptions().setHost(config.bindAddress()).setPort(config.apiPort())
        .setIdleTimeout(75).setIdleTimeoutUnit(TimeUnit.SECONDS).setMaxInitialLineLength(8192)
        .setMaxHeaderSize(16384)).requestHandler(api.router(vertx));
    adminServer = vertx.createHttpServer(new HttpServerOptions().setHost(config.bindAddress())
        .setPort(config.adminPort())).requestHandler(request -> {
          if ("/metrics".equals(request.path())) {
            request.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape());
          } else {
            request.response().setStatusCode(404).end();
          }
        });
    return Future.all(apiServer.listen(), adminServer.listen()).mapEmpty();
  }

  public int apiPort() {
    return apiServer.actualPort();
  }

  public OrchestratorConfig config() {
    return config;
  }

  /** Number of starts this instance is bringing up now. */
  public int launchesInFlight() {
    return launcher.launching();
  }

  /** The metrics, for tests. */
  public OrchestratorMetrics metrics() {
    return metrics;
  }

  /** Runs one round of the reconciler's sweeps now (tests; the timer keeps running too). */
  public Future<Void> reconcileNow() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> reconciler.runOnce().onComplete(done));
    return done.future();
  }

  /**
   * SIGTERM: {@code /health} answers 503 at once, the reconciler stops, calls in flight finish (new ones are
   * refused once the listener closes), then everything closes, within {@code DRAIN_TIMEOUT} less a margin.
   * Launches still under way are left to the reconciler of any instance (they are recorded step by step).
   */
  public Future<Void> drain() {
    Promise<Void> drained = Promise.promise();
    context.runOnContext(v -> drainOnContext().onComplete(drained));
    return drained.future();
  }

  private Future<Void> drainOnContext() {
    draining.set(true);
    long grace = Math.max(1000, config.drainTimeout().toMillis() - 2000);
    LOG.info("draining: /health answers 503; finishing calls in flight (exit within {})",
        Durations.format(config.drainTimeout()));
    return reconciler.stop()
        .compose(v -> apiServer.shutdown(grace, TimeUnit.MILLISECONDS))
        .eventually(this::stop);
  }

  /** Stops at once: listeners, reconciler, clients; local sandboxes end with it. */
  public Future<Void> stop() {
    draining.set(true);
    Future<Void> reconciling = reconciler.stop();
    Future<Void> servers = Future.all(
        apiServer == null ? Future.succeededFuture() : apiServer.close(),
        adminServer == null ? Future.succeededFuture() : adminServer.close()).mapEmpty();
    return Future.join(reconciling, servers)
        .eventually(agent::close)
        .eventually(() -> vertx.close())
        .andThen(ar -> {
          provider.close();
          dynamo.close();
          aws.close();
        }).mapEmpty();
  }
}
