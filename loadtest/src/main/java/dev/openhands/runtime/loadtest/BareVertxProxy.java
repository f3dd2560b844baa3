package dev.openhands.runtime.loadtest;

import dev.openhands.runtime.gateway.proxy.UpstreamPool;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark reference, not a proxy to run: the least a Vert.x HTTP proxy does (no checks, no header rules, no
 * logs or metrics; request and response piped), on the gateway's Vert.x and transport, one verticle per core.
 * Beside the gateway in the same run it separates what Vert.x costs from what the gateway's own steps cost.
 * Listens on 127.0.0.1; prints {@code READY}; stops on SIGTERM or after {@code maxSeconds}.
 *
 * <p>Usage: {@code BareVertxProxy <port> <backendHost> <backendPort> [maxSeconds]}.
 */
public final class BareVertxProxy extends VerticleBase {

  private final int port;
  private final SocketAddress backend;
  private HttpClient client;

  private BareVertxProxy(int port, SocketAddress backend) {
    this.port = port;
    this.backend = backend;
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    SocketAddress backend = SocketAddress.inetSocketAddress(Integer.parseInt(args[2]), args[1]);
    long maxSeconds = args.length > 3 ? Long.parseLong(args[3]) : 1800;
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    vertx.deployVerticle(() -> new BareVertxProxy(port, backend),
            new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("READY " + port);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
    stop.await(maxSeconds, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    System.exit(0);
  }

  @Override
  public Future<?> start() {
    // Bodies decoded in pieces as large as a socket read, as the gateway does (UpstreamPool.MAX_BODY_CHUNK).
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
            .setMaxChunkSize(UpstreamPool.MAX_BODY_CHUNK),
        new PoolOptions().setHttp1MaxSize(512));
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setTcpNoDelay(true)
            .setMaxChunkSize(UpstreamPool.MAX_BODY_CHUNK))
        .requestHandler(this::forward)
        .listen();
  }

  private void forward(HttpServerRequest request) {
    request.pause();
    client.request(new RequestOptions().setServer(backend).setMethod(request.method()).setURI(request.uri())
            .setHeaders(request.headers()))
        .compose(upstream -> {
          request.resume();
          request.pipe().to(upstream);
          return upstream.response();
        })
        .onSuccess(response -> {
          request.response().setStatusCode(response.statusCode()).headers().addAll(response.headers());
          response.pipe().to(request.response());
        })
        .onFailure(err -> request.response().setStatusCode(502).end());
  }
}
