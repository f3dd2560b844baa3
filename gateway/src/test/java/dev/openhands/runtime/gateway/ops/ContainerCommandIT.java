package dev.openhands.runtime.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.Dockerfile;
import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway image's two command lines, read from the Dockerfile and run with a Java 25 (the image's), the image's
 * /app paths mapped to the build's files: the training RUN that writes the AOT cache, then the ENTRYPOINT with
 * {@code -XX:AOTMode=on}, which refuses to start unless the cache fits its flags. So a change to the options file, the
 * ENTRYPOINT or the training line that leaves the cache unused fails here, not silently in production. The image
 * itself cannot be built here (no Docker engine).
 */
@Timeout(180)
class ContainerCommandIT {

  private static final String CACHE = "/app/gateway.aot";
  @TempDir
  static Path dir;
  private static String java25;
  private static Path cache;

  /** The training run, once: it warms the gateway's request path and writes the cache as it exits. */
  @BeforeAll
  static void trainAsTheImageBuildDoes() throws Exception {
    java25 = ServiceProcess.java25().orElseThrow(() -> new AssertionError(
        "no Java 25 (the image's JVM): set JAVA25_HOME or install a JDK 25 under /usr/lib/jvm"));
    cache = dir.resolve("gateway.aot");
    Dockerfile.Command training = Dockerfile.run("gateway", "AOTCacheOutput", java25, files(cache));
    Path log = dir.resolve("training.log");
    ProcessBuilder builder = new ProcessBuilder(training.args()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().clear();
    builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    builder.environment().putAll(training.env());
    Process run = builder.start();
    assertTrue(run.waitFor(120, TimeUnit.SECONDS), "training run still going after 120 s");
    String output = Files.readString(log);
    assertEquals(0, run.exitValue(), output);
    assertTrue(output.contains("warmed up: "), "the training run sends traffic through the request path:\n" + output);
    assertFalse(output.contains("were not answered 200"), "every warm-up request served:\n" + output);
    assertTrue(Files.size(cache) > 0, "no AOT cache written:\n" + output);
  }

  @Test
  void entrypoint_usesTheCache_startsHealthy_andDrainsOnSigterm() throws Exception {
    try (ServiceProcess gateway = ServiceProcess.start(withCacheRequired(List.of()), env())) {
      System.out.printf("container command with the AOT cache: healthy %d ms after start%n",
          gateway.healthyAfterMs());
      gateway.terminate();
      assertEquals(0, gateway.awaitExit(Duration.ofSeconds(10)), gateway.output());
      assertTrue(gateway.output().contains("warmed up: "), gateway.output());
    }
  }

  @Test
  void aFlagThatDoesNotFitTheCache_failsTheStart() throws Exception {
    List<String> command = withCacheRequired(List.of("-XX:+UseCompactObjectHeaders"));
    Map<String, String> env = env();
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    builder.redirectOutput(dir.resolve("mismatch.log").toFile());
    Process process = builder.start();
    try {
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), "a JVM that cannot use its cache still started");
    } finally {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String output = Files.readString(dir.resolve("mismatch.log"));
    assertNotEquals(0, process.exitValue(), output);
    assertTrue(output.contains("Unable to use AOT cache"), output);
  }

  /** The ENTRYPOINT, with {@code -XX:AOTMode=on} and {@code extra} flags right after java. */
  private static List<String> withCacheRequired(List<String> extra) throws Exception {
    List<String> entrypoint = Dockerfile.entrypoint("gateway", java25, files(cache));
    assertTrue(entrypoint.contains("-XX:AOTCache=" + cache), "the ENTRYPOINT uses the cache: " + entrypoint);
    List<String> command = new ArrayList<>(entrypoint.subList(0, 1));
    command.add("-XX:AOTMode=on");
    command.addAll(extra);
    command.addAll(entrypoint.subList(1, entrypoint.size()));
    return command;
  }

  private static Map<String, String> env() throws java.io.IOException {
    Map<String, String> env = new HashMap<>(Map.of("GATEWAY_PORT", Integer.toString(DynamoDbLocal.freePort()),
        "ADMIN_PORT", Integer.toString(DynamoDbLocal.freePort()), "BIND_ADDRESS", "127.0.0.1",
        "SANDBOX_TABLE", "sandboxes", "ORIGIN_VERIFY_SECRET", "container-test-secret-0123",
        "AWS_REGION", "us-east-1", "DYNAMODB_ENDPOINT", "http://127.0.0.1:1",
        "DRAIN_DELAY", "200ms", "DRAIN_TIMEOUT", "3s"));
    env.put("WARMUP_LIMIT", "5s");
    return env;
  }

  /** The image's /app paths, mapped to the build's files and the cache's place. */
  private static Map<String, Path> files(Path aot) {
    return Map.of(
        "/app/jvm.options", Dockerfile.ROOT.resolve("gateway/src/main/jvm/jvm.options"),
        "/app/gateway.jar", Dockerfile.ROOT.resolve("gateway/target/gateway.jar"),
        CACHE, aot);
  }
}
