package dev.openhands.runtime.loadtest;

import dev.openhands.runtime.gateway.Gateway;
import dev.openhands.runtime.common.config.ConfigException;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.testkit.DemoSandbox;
import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs the gateway locally with everything it needs on 127.0.0.1: DynamoDB Local holding the registry
 * table, a demo sandbox (HTML page and WebSocket echo) registered as a running conversation, and the
 * gateway itself with the origin check off and runtime hosts public. Prints the URLs to open.
 *
 * <p>Environment variables the gateway reads (GATEWAY_PORT, ROUTE_REFRESH, ...) override the local
 * defaults. {@code LOCAL_DYNAMODB_PORT} (default 8000) and {@code LOCAL_SANDBOX_PORT} (default 5000) pick
 * the harness's own ports; a busy default falls back to a free port.
 */
public final class LocalGateway {

  /** The demo conversation; any 32 lowercase hex characters would do. */
  public static final String DEMO_CONVERSATION = "0123456789abcdef0123456789abcdef";
  static final String TABLE = "openhands-sandboxes";

  private LocalGateway() {}

  public static void main(String[] args) throws Exception {
    // DynamoDB Local logs through log4j2; without log4j-core it prints a warning about that at start.
    System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    System.setProperty("org.apache.logging.log4j.simplelog.level", "WARN");
    int dynamoPort = portOrFree(env("LOCAL_DYNAMODB_PORT", "8000"));
    int sandboxPort = portOrFree(env("LOCAL_SANDBOX_PORT", "5000"));
    DynamoDbLocal dynamo = DynamoDbLocal.start(dynamoPort);
    RegistryTable table = new RegistryTable(dynamo.client(), TABLE).create();

    Vertx sandboxVertx = Vertx.vertx();
    DemoSandbox sandbox = new DemoSandbox(sandboxVertx).start(sandboxPort).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    table.putRunning(DEMO_CONVERSATION, "");

    Map<String, String> env = new HashMap<>();
    env.put("BIND_ADDRESS", "127.0.0.1");
    env.put("SANDBOX_TABLE", TABLE);
    env.put("DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
    env.put("ORIGIN_VERIFY", "disabled");
    env.put("RUNTIME_AUTH", "none");
    env.putAll(System.getenv());
    GatewayConfig config;
    try {
      config = GatewayConfig.fromEnv(env);
    } catch (ConfigException e) {
      System.err.println("local gateway: bad configuration: " + e.getMessage());
      dynamo.close();
      System.exit(2);
      return;
    }
    Gateway gateway = Gateway.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

    int port = config.gatewayPort();
    System.out.println();
    System.out.println("Runtime gateway running locally (Ctrl-C to stop)");
    System.out.println("  DynamoDB Local:  " + dynamo.endpoint() + "  table " + TABLE);
    System.out.println("  demo sandbox:    http://127.0.0.1:" + sandbox.port() + "/  conversation " + DEMO_CONVERSATION);
    System.out.println();
    System.out.println("Open in a browser (the page shows WebSocket echoes flowing through the gateway):");
    System.out.println("  http://" + sandbox.port() + "-" + DEMO_CONVERSATION + ".runtime.localhost:" + port + "/");
    System.out.println("  http://localhost:" + port + "/runtime/" + DEMO_CONVERSATION + "/" + sandbox.port() + "/");
    System.out.println("or with curl:");
    System.out.println("  curl -H 'Host: " + sandbox.port() + "-" + DEMO_CONVERSATION + ".runtime.localhost' http://127.0.0.1:"
        + port + "/api/hello");
    System.out.println("  curl http://127.0.0.1:" + port + "/health");
    System.out.println("Register another sandbox:");
    System.out.println("  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws dynamodb put-item --region us-east-1 \\");
    System.out.println("    --endpoint-url " + dynamo.endpoint() + " --table-name " + TABLE + " --item \\");
    System.out.println("    '{\"conversation_id\":{\"S\":\"<32 hex>\"},\"status\":{\"S\":\"RUNNING\"},\"task_ip\":{\"S\":\"127.0.0.1\"}}'");
    System.out.println();

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        gateway.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        sandboxVertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        dynamo.close();
      } catch (Exception e) {
        System.err.println("local gateway: stop: " + e);
      } finally {
        stopped.countDown();
      }
    }, "local-gateway-stop"));
    stopped.await();
  }

  private static String env(String name, String defaultValue) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? defaultValue : value.trim();
  }

  private static int portOrFree(String wanted) throws IOException {
    int port = Integer.parseInt(wanted);
    try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return port;
    } catch (IOException busy) {
      return DynamoDbLocal.freePort();
    }
  }
}
