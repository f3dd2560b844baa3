package dev.openhands.runtime.loadtest;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Many sandboxes on loopback, each on its own address as Fargate tasks are: sandbox {@code i} listens on
 * {@code 127.0.0.(i + 2)} at the same port. Each answers {@code /2b}, {@code /1k}, {@code /64k} and
 * {@code /bytes/{n}} with a body of that size and echoes WebSocket messages. Prints {@code READY} when all listen; stops on SIGTERM
 * or after {@code maxSeconds}.
 *
 * <p>Usage: {@code SandboxFarm <port> <sandboxes> [maxSeconds]}.
 */
public final class SandboxFarm {

  private SandboxFarm() {}

  /** The address of sandbox {@code index}. */
  public static String address(int index) {
    return "127.0.0." + (index + 2);
  }

  /** The conversation id of sandbox {@code index}. */
  public static String conversation(int index) {
    return String.format("%032x", index + 1);
  }

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    int sandboxes = Integer.parseInt(args[1]);
    long maxSeconds = args.length > 2 ? Long.parseLong(args[2]) : 1800;
    if (sandboxes < 1 || sandboxes > 250) {
      throw new IllegalArgumentException("sandboxes: " + sandboxes + " (expected: 1 to 250)");
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
    listen(vertx, port, sandboxes).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    System.out.println("READY " + port + " " + sandboxes);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
    stop.await(maxSeconds, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    System.exit(0);
  }

  /** Starts {@code sandboxes} sandboxes on {@code vertx}, all on {@code port}; completes when all listen. */
  public static Future<Void> listen(Vertx vertx, int port, int sandboxes) {
    List<Future<HttpServer>> listening = new ArrayList<>();
    for (int i = 0; i < sandboxes; i++) {
      listening.add(serve(vertx, address(i), port));
    }
    return Future.all(listening).mapEmpty();
  }

  /** One server on {@code host:port} that answers as a sandbox does (the harness's app upstream is one too). */
  public static Future<HttpServer> serve(Vertx vertx, String host, int port) {
    return vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port).setTcpNoDelay(true))
        .webSocketHandler(ws -> ws.frameHandler(frame -> {
          if (frame.isText() || frame.isBinary() || frame.isContinuation()) {
            ws.writeFrame(frame);
          }
        }))
        .requestHandler(SandboxFarm::answer)
        .listen();
  }

  private static final int MAX_BODY = 4 * 1024 * 1024;
  private static final Buffer TWO_BYTES = Buffer.buffer("ok");
  private static final Buffer ONE_KIB = Buffer.buffer(new byte[1024]);
  private static final Buffer SIXTY_FOUR_KIB = Buffer.buffer(new byte[64 * 1024]);

  private static void answer(HttpServerRequest request) {
    String path = request.path();
    Buffer body = switch (path) {
      case "/1k" -> ONE_KIB;
      case "/64k" -> SIXTY_FOUR_KIB;
      default -> path.startsWith("/bytes/")
          ? Buffer.buffer(new byte[Math.min(Integer.parseInt(path.substring(7)), MAX_BODY)])
          : TWO_BYTES;
    };
    request.response().putHeader("Content-Type", "application/octet-stream").end(body);
  }
}
