package dev.openhands.runtime.loadtest;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * What a benchmark of the gateway needs besides the gateway: DynamoDB Local with the registry table, a
 * sandbox backend that answers {@code /2b}, {@code /1k} and {@code /64k} with bodies of that size, and
 * one running conversation pointing at it. All on 127.0.0.1. Prints {@code READY <dynamodb port>
 * <backend port> <conversation>} when it is up, and stops on SIGTERM or after {@code maxSeconds}.
 *
 * <p>Usage: {@code BenchBackend <dynamodb port> <backend port> [maxSeconds]}.
 */
public final class BenchBackend {

  public static final String CONVERSATION = "0123456789abcdef0123456789abcdef";
  public static final String TABLE = "bench-sandboxes";

  private BenchBackend() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    int dynamoPort = Integer.parseInt(args[0]);
    int backendPort = Integer.parseInt(args[1]);
    long maxSeconds = args.length > 2 ? Long.parseLong(args[2]) : 1800;

    DynamoDbLocal dynamo = DynamoDbLocal.start(dynamoPort);
    new RegistryTable(dynamo.client(), TABLE).create().putRunning(CONVERSATION, "");

    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
    Buffer twoBytes = Buffer.buffer("ok");
    Buffer oneKiB = Buffer.buffer(new byte[1024]);
    Buffer sixtyFourKiB = Buffer.buffer(new byte[64 * 1024]);
    vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(backendPort).setTcpNoDelay(true))
        .requestHandler(request -> {
          Buffer body = switch (request.path()) {
            case "/1k" -> oneKiB;
            case "/64k" -> sixtyFourKiB;
            default -> twoBytes;
          };
          request.response().putHeader("Content-Type", "application/octet-stream").end(body);
        })
        .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    System.out.println("READY " + dynamoPort + " " + backendPort + " " + CONVERSATION);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
    stop.await(maxSeconds, TimeUnit.SECONDS);
    vertx.close();
    dynamo.close();
    System.exit(0);
  }
}
