package dev.openhands.runtime.loadtest;

import dev.openhands.runtime.common.config.ConfigException;
import dev.openhands.runtime.gateway.Gateway;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import dev.openhands.runtime.orchestrator.Orchestrator;
import dev.openhands.runtime.orchestrator.config.OrchestratorConfig;
import dev.openhands.runtime.orchestrator.demo.DemoSandbox;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The whole runtime tier on one machine, all on loopback addresses: DynamoDB Local holding the registry table, the
 * orchestrator with the {@code local} provider (each sandbox a demo-sandbox process on its own address 127.0.0.2 and
 * up), and the gateway with the origin check off. There is no Cognito here, so the gateway signs a fixed demo user in
 * on the main host ({@code openhands.localhost}); runtime hosts get their sessions through the same handshake as in a
 * deployment, a paused sandbox wakes on traffic through the orchestrator, and the owner's console shares ports.
 * Starts one demo conversation owned by the demo user and prints the URLs and the API calls to try.
 *
 * <p>Variables the gateway reads (GATEWAY_PORT, ROUTE_REFRESH, ...) override its local defaults; the orchestrator
 * takes ORCHESTRATOR_PORT, ORCHESTRATOR_API_KEYS, LOCAL_SANDBOX_COMMAND, START_TIMEOUT, IDLE_TIMEOUT,
 * RECONCILE_INTERVAL, RETENTION and AGENT_SERVER_PORT, and {@code LOCAL_ORCHESTRATOR_ADMIN_PORT} (9091) for its
 * metrics. {@code LOCAL_DYNAMODB_PORT} (8000) moves DynamoDB Local; a busy default falls back to a free port.
 */
public final class LocalMode {

  /** The demo conversation; any 32 lowercase hex characters would do. */
  public static final String DEMO_CONVERSATION = "0123456789abcdef0123456789abcdef";
  public static final String DEMO_USER = "local-demo-user";
  /** The main host: Chromium and curl resolve every {@code *.localhost} name to the loopback address. */
  public static final String MAIN_HOST = "openhands.localhost";
  public static final String LOCAL_API_KEY = "local-orchestrator-key-change-me";
  static final String TABLE = "openhands-sandboxes";
  private static final List<String> ORCHESTRATOR_VARIABLES = List.of("ORCHESTRATOR_PORT", "ORCHESTRATOR_API_KEYS",
      "LOCAL_SANDBOX_COMMAND", "START_TIMEOUT", "IDLE_TIMEOUT", "RECONCILE_INTERVAL", "RETENTION", "AGENT_SERVER_PORT");

  private LocalMode() {}

  public static void main(String[] args) throws Exception {
    // DynamoDB Local logs through log4j2; without log4j-core it prints a warning about that at start.
    System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    System.setProperty("org.apache.logging.log4j.simplelog.level", "WARN");
    DynamoDbLocal dynamo = DynamoDbLocal.start(portOrFree(env("LOCAL_DYNAMODB_PORT", "8000")));
    new RegistryTable(dynamo.client(), TABLE).create();
    Orchestrator orchestrator;
    Gateway gateway;
    try {
      orchestrator = Orchestrator.start(OrchestratorConfig.fromEnv(orchestratorEnv(dynamo)))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      gateway = Gateway.start(GatewayConfig.fromEnv(gatewayEnv(dynamo, orchestrator)))
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ConfigException e) {
      System.err.println("local mode: bad configuration: " + e.getMessage());
      dynamo.close();
      System.exit(2);
      return;
    }
    String apiKey = orchestrator.config().apiKeys().get(0);
    int api = orchestrator.apiPort();
    boolean demo = startDemo(api, apiKey);
    printUsage(dynamo, gateway.config().gatewayPort(), api, demo);
    awaitCtrlC(() -> {
      gateway.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      orchestrator.stop().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
      dynamo.close();
    });
  }

  private static Map<String, String> orchestratorEnv(DynamoDbLocal dynamo) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("BIND_ADDRESS", "127.0.0.1");
    env.put("ADMIN_PORT", Integer.toString(portOrFree(env("LOCAL_ORCHESTRATOR_ADMIN_PORT", "9091"))));
    env.put("ORCHESTRATOR_API_KEYS", LOCAL_API_KEY);
    env.put("SANDBOX_TABLE", TABLE);
    env.put("DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
    env.put("SANDBOX_PROVIDER", "local");
    env.put("LOCAL_SANDBOX_COMMAND", demoCommand());
    for (String name : ORCHESTRATOR_VARIABLES) {
      String value = System.getenv(name);
      if (value != null && !value.isBlank()) {
        env.put(name, value);
      }
    }
    return env;
  }

  /**
   * The demo sandbox from the orchestrator's jar: this JVM runs under Maven, whose class path is not one a child
   * process could use.
   */
  private static String demoCommand() {
    Path jar = Path.of(System.getProperty("orchestrator.jar", "orchestrator/target/orchestrator.jar"))
        .toAbsolutePath().normalize();
    if (!Files.isRegularFile(jar)) {
      throw new ConfigException("orchestrator.jar: " + jar + " (expected: the built orchestrator jar; run package)");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return "exec '" + java + "' -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp '" + jar + "' "
        + DemoSandbox.class.getName() + " {ip} {agentPort} {conversationId}";
  }

  private static Map<String, String> gatewayEnv(DynamoDbLocal dynamo, Orchestrator orchestrator) throws IOException {
    Map<String, String> env = new HashMap<>();
    int port = portOrFree(env("GATEWAY_PORT", "8080"));
    env.put("BIND_ADDRESS", "127.0.0.1");
    env.put("GATEWAY_PORT", Integer.toString(port));
    env.put("SANDBOX_TABLE", TABLE);
    env.put("DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
    env.put("ORIGIN_VERIFY", "disabled");
    env.put("RUNTIME_AUTH", "owner");
    env.put("DEMO_USER", DEMO_USER);
    env.put("SIGN_IN_URL", "http://" + MAIN_HOST + ":" + port + "/_login");
    env.put("RUNTIME_SESSION_SECRET", randomSecret());
    env.put("ORCHESTRATOR_URL", "http://127.0.0.1:" + orchestrator.apiPort());
    env.put("ORCHESTRATOR_API_KEY", orchestrator.config().apiKeys().get(0));
    env.putAll(System.getenv());
    env.put("GATEWAY_PORT", Integer.toString(port));
    return env;
  }

  /** A new session key per run: sessions of an earlier run are not valid in this one. */
  private static String randomSecret() {
    byte[] bytes = new byte[32];
    new java.security.SecureRandom().nextBytes(bytes);
    return java.util.HexFormat.of().formatHex(bytes);
  }

  /** Starts the demo conversation through the API, as the app would; waits until it runs. */
  private static boolean startDemo(int apiPort, String apiKey) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String body = "{\"session_id\":\"" + DEMO_CONVERSATION + "\",\"environment\":{\"USER_ID\":\"" + DEMO_USER + "\"}}";
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort
              + "/start")).header("X-API-Key", apiKey).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (answer.body().contains("\"status\":\"running\"")) {
        return true;
      }
      if (answer.statusCode() != 200 || answer.body().contains("\"status\":\"error\"")) {
        System.err.println("local mode: the demo sandbox did not start: " + answer.body());
        return false;
      }
      Thread.sleep(250);
    }
    return false;
  }

  private static void printUsage(DynamoDbLocal dynamo, int port, int api, boolean demo) {
    String c = DEMO_CONVERSATION;
    String key = "X-API-Key: " + (System.getenv("ORCHESTRATOR_API_KEYS") == null ? LOCAL_API_KEY : "<your key>");
    System.out.println();
    System.out.println("OpenHands runtime tier running locally (Ctrl-C to stop)");
    System.out.println("  DynamoDB Local:  " + dynamo.endpoint() + "  table " + TABLE);
    System.out.println("  orchestrator:    http://127.0.0.1:" + api + "  (local provider: one process per sandbox)");
    System.out.println("  gateway:         http://127.0.0.1:" + port);
    System.out.println();
    String main = "http://" + MAIN_HOST + ":" + port;
    if (demo) {
      System.out.println("Open the demo sandbox in a browser (its page shows WebSocket echoes through the gateway):");
      System.out.println("  http://" + DemoSandbox.APP_PORT + "-" + c + ".runtime." + MAIN_HOST + ":" + port + "/");
      System.out.println("  " + main + "/runtime/" + c + "/" + DemoSandbox.APP_PORT + "/");
    }
    System.out.println("Your sandboxes and their shared ports (signed in as the demo user " + DEMO_USER
        + "; there is no Cognito here):");
    System.out.println("  " + main + "/_runtime/");
    System.out.println("Start, pause, resume and stop sandboxes as the OpenHands app does (any 32 hex id):");
    String owned = "\"environment\":{\"USER_ID\":\"" + DEMO_USER + "\"}";
    System.out.println("  curl -X POST -H '" + key + "' localhost:" + api + "/start -d '{\"session_id\":\"" + c
        + "\"," + owned + "}'");
    for (String call : List.of("pause", "resume", "stop")) {
      System.out.println("  curl -X POST -H '" + key + "' localhost:" + api + "/" + call
          + " -d '{\"runtime_id\":\"" + c + "\"}'");
    }
    System.out.println("  curl -H '" + key + "' localhost:" + api + "/sessions/" + c);
    System.out.println("Pause it, then open its link: the gateway wakes it and the starting page turns into the app.");
    System.out.println("Through the gateway as the demo user (the path form, on the main host):");
    System.out.println("  curl " + main + "/runtime/" + c + "/" + DemoSandbox.APP_PORT + "/api/hello");
    System.out.println();
  }

  private interface Stop {
    void run() throws Exception;
  }

  private static void awaitCtrlC(Stop stop) throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        stop.run();
      } catch (Exception e) {
        System.err.println("local mode: stop: " + e);
      } finally {
        stopped.countDown();
      }
    }, "local-mode-stop"));
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
