package dev.openhands.runtime.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import io.vertx.core.json.JsonArray;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    int port = DynamoDbLocal.freePort();
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(Files.createTempFile("container-", ".log").toFile());
    builder.environment().putAll(java.util.Map.of("GATEWAY_PORT", Integer.toString(port),
        "ADMIN_PORT", Integer.toString(DynamoDbLocal.freePort()), "BIND_ADDRESS", "127.0.0.1",
        "SANDBOX_TABLE", "sandboxes", "ORIGIN_VERIFY_SECRET", "container-test-secret-0123",
        "AWS_REGION", "us-east-1", "DYNAMODB_ENDPOINT", "http://127.0.0.1:1",
        "DRAIN_DELAY", "200ms", "DRAIN_TIMEOUT", "3s"));
    long started = System.nanoTime();
    Process process = builder.start();
    try {
      long healthyAfterMs = awaitHealthy(port, process);
      System.out.printf("container command %s: healthy %d ms after start%n", command, healthyAfterMs);
      process.destroy();
      assertTrue(process.waitFor(10, TimeUnit.SECONDS), "no exit after SIGTERM");
      assertEquals(0, process.exitValue());
      assertTrue((System.nanoTime() - started) / 1_000_000 < 60_000);
    } finally {
      process.destroyForcibly();
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
      String arg = (String) part;
      arg = arg.replace("/app/jvm.options", ROOT.resolve("gateway/src/main/jvm/jvm.options").toString())
          .replace("/app/gateway.jar", ROOT.resolve("gateway/target/gateway.jar").toString());
      command.add(arg.equals("java") ? Path.of(System.getProperty("java.home"), "bin", "java").toString() : arg);
    }
    assertTrue(command.stream().noneMatch(a -> a.contains("/app/")), "unmapped image path in " + command);
    return command;
  }

  static long awaitHealthy(int port, Process process) throws Exception {
    long started = System.nanoTime();
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    while (System.nanoTime() - started < 30_000_000_000L) {
      if (!process.isAlive()) {
        throw new AssertionError("exited with " + process.exitValue());
      }
      try {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
            .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().equals("OK")) {
          return (System.nanoTime() - started) / 1_000_000;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      Thread.sleep(20);
    }
    throw new AssertionError("not healthy within 30 s");
  }
}
