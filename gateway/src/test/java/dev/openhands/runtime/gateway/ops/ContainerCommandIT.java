package dev.openhands.runtime.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.openhands.runtime.gateway.testkit.Dockerfile;
import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.ServiceProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Starts the command line of the container image's ENTRYPOINT (read from the Dockerfile: same jar, same
 * JVM options file) with this machine's java, checks that /health answers, and that SIGTERM ends it with
 * exit code 0. The image itself cannot be built here (no Docker engine).
 */
@Timeout(90)
class ContainerCommandIT {

  @Test
  void entrypoint_startsHealthy_andDrainsOnSigterm() throws Exception {
    List<String> command = entrypoint();
    Map<String, String> env = Map.of("GATEWAY_PORT", Integer.toString(DynamoDbLocal.freePort()),
        "ADMIN_PORT", Integer.toString(DynamoDbLocal.freePort()), "BIND_ADDRESS", "127.0.0.1",
        "SANDBOX_TABLE", "sandboxes", "ORIGIN_VERIFY_SECRET", "container-test-secret-0123",
        "AWS_REGION", "us-east-1", "DYNAMODB_ENDPOINT", "http://127.0.0.1:1",
        "DRAIN_DELAY", "200ms", "DRAIN_TIMEOUT", "3s");
    try (ServiceProcess gateway = ServiceProcess.start(command, env)) {
      System.out.printf("container command %s: healthy %d ms after start%n", command, gateway.healthyAfterMs());
      gateway.terminate();
      assertEquals(0, gateway.awaitExit(Duration.ofSeconds(10)));
    }
  }

  /** The gateway image's ENTRYPOINT, with the image's /app paths mapped to the build's files. */
  static List<String> entrypoint() throws Exception {
    return Dockerfile.entrypoint("gateway", Map.of(
        "/app/jvm.options", Dockerfile.ROOT.resolve("gateway/src/main/jvm/jvm.options"),
        "/app/gateway.jar", Dockerfile.ROOT.resolve("gateway/target/gateway.jar")));
  }
}
