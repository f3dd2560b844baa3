package dev.openhands.runtime.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.ServiceProcess;
import io.vertx.core.json.JsonArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

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

  /** The Dockerfile's ENTRYPOINT, with the image's /app paths mapped to the build's files. */
  static List<String> entrypoint() throws Exception {
    String line = Files.readAllLines(ROOT.resolve("Dockerfile")).stream()
        .filter(l -> l.startsWith("ENTRYPOINT "))
        .findFirst().orElseThrow(() -> new AssertionError("no ENTRYPOINT in the Dockerfile"));
    JsonArray parts = new JsonArray(line.substring("ENTRYPOINT ".length()));
    List<String> command = new ArrayList<>();
    for (Object part : parts) {
      String arg = ((String) part)
          .replace("/app/jvm.options", ROOT.resolve("gateway/src/main/jvm/jvm.options").toString())
          .replace("/app/gateway.jar", ROOT.resolve("gateway/target/gateway.jar").toString());
      command.add(arg.equals("java") ? ServiceProcess.java() : arg);
    }
    assertTrue(command.stream().noneMatch(a -> a.contains("/app/")), "unmapped image path in " + command);
    return command;
  }
}
