package dev.openhands.runtime.orchestrator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.Dockerfile;
import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import dev.openhands.runtime.gateway.testkit.ServiceProcess;
import dev.openhands.runtime.orchestrator.testkit.ApiClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The orchestrator image's ENTRYPOINT (read from the Dockerfile's {@code orchestrator} stage: same jar, same JVM
 * options) started with this machine's java against DynamoDB Local: healthy, metrics on the admin port, an API call
 * logged as one JSON line, a bad setting exits 2 with one line, and SIGTERM exits 0.
 */
@Timeout(120)
class ContainerCommandIT {

  static List<String> entrypoint() throws Exception {
    return Dockerfile.entrypoint("orchestrator", Map.of(
        "/app/jvm.options", Dockerfile.ROOT.resolve("orchestrator/src/main/jvm/jvm.options"),
        "/app/orchestrator.jar", Dockerfile.ROOT.resolve("orchestrator/target/orchestrator.jar")));
  }

  @Test
  void entrypoint_startsHealthy_servesMetrics_logsCalls_andDrainsOnSigterm() throws Exception {
    System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    try (DynamoDbLocal dynamo = DynamoDbLocal.start()) {
      new RegistryTable(dynamo.client(), "sandboxes").create();
      int port = DynamoDbLocal.freePort();
      int admin = DynamoDbLocal.freePort();
      Map<String, String> env = Map.of("ORCHESTRATOR_PORT", Integer.toString(port),
          "ADMIN_PORT", Integer.toString(admin), "BIND_ADDRESS", "127.0.0.1", "SANDBOX_TABLE", "sandboxes",
          "SANDBOX_PROVIDER", "local", "ORCHESTRATOR_API_KEYS", "container-test-key-0123456789",
          "DYNAMODB_ENDPOINT", dynamo.endpoint().toString(), "DRAIN_TIMEOUT", "5s");
      try (ServiceProcess orchestrator = ServiceProcess.start(entrypoint(), env, port)) {
        System.out.printf("orchestrator container command: healthy %d ms after start%n",
            orchestrator.healthyAfterMs());
        ApiClient api = new ApiClient(port, "container-test-key-0123456789");
        assertEquals(404, api.get("/sessions/0123456789abcdef0123456789abcdef").status());
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + admin + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("orchestrator_api_requests_seconds_count{route=\"/sessions/{id}\",status=\"404\"}"),
            metrics);
        orchestrator.terminate();
        assertEquals(0, orchestrator.awaitExit(Duration.ofSeconds(15)));
        assertTrue(orchestrator.output().contains("\"type\":\"api\",\"method\":\"GET\",\"route\":\"/sessions/{id}\""),
            orchestrator.output());
      }
    }
  }

  @Test
  void badSetting_exits2_withOneLineNamingIt() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(entrypoint()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(Map.of("SANDBOX_TABLE", "sandboxes", "ORCHESTRATOR_API_KEYS", "short",
        "SANDBOX_PROVIDER", "local"));
    Process bad = builder.start();
    assertTrue(bad.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
    String output = new String(bad.getInputStream().readAllBytes()).strip();
    assertEquals(2, bad.exitValue(), output);
    assertEquals("orchestrator: bad configuration: ORCHESTRATOR_API_KEYS: a key of 5 characters (expected: at least 16)",
        output.lines().reduce((a, b) -> b).orElse(""));
  }
}
