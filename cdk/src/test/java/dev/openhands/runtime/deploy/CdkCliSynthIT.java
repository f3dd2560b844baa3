package dev.openhands.runtime.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's interface, end to end: the pinned CDK CLI runs {@code cdk.json}'s app command (Maven, then the
 * Java app) with {@code -c} parameters, offline, from a directory holding the cached look-ups and the Auth
 * outputs, as a deployment's checkout would after its first run.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class CdkCliSynthIT {

  private static final Path MODULE = Path.of("").toAbsolutePath();
  private static final Path WORK = MODULE.resolve("target/cli-synth");

  @BeforeEach
  void prepareCheckout() throws IOException {
    if (Files.exists(WORK)) {
      try (Stream<Path> old = Files.walk(WORK)) {
        for (Path path : old.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(path);
        }
      }
    }
    Files.createDirectories(WORK);
    ObjectMapper json = new ObjectMapper();
    ObjectNode cdkJson = (ObjectNode) json.readTree(MODULE.resolve("cdk.json").toFile());
    // The same command as cdk.json's, with the paths made absolute for this directory.
    cdkJson.put("app", MODULE.resolve("../mvnw").normalize() + " -B -q -f " + MODULE.resolve("pom.xml")
        + " compile exec:java");
    json.writeValue(WORK.resolve("cdk.json").toFile(), cdkJson);
    Files.copy(MODULE.resolve("src/test/resources/lookups-context.json"), WORK.resolve("cdk.context.json"));
    Files.copy(MODULE.resolve("src/test/resources/auth-outputs.json"), WORK.resolve("auth-outputs.json"));
  }

  private static Result cdkSynth(Map<String, String> overrides) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(MODULE.resolve("node_modules/.bin/cdk").toString(),
        "synth", "--quiet", "--no-notices", "--no-version-reporting"));
    Map<String, Object> context = new TreeMap<>(ExampleDeployment.exampleParameters());
    context.remove("authOutputsFile");
    context.putAll(overrides);
    context.forEach((key, value) -> command.addAll(List.of("-c", key + "=" + value)));
    ProcessBuilder builder = new ProcessBuilder(command).directory(WORK.toFile()).redirectErrorStream(true);
    builder.environment().putAll(Map.of("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20",
        "CDK_DISABLE_VERSION_CHECK", "true", "CDK_DISABLE_CLI_TELEMETRY", "true"));
    long start = System.nanoTime();
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes());
    assertTrue(process.waitFor(4, TimeUnit.MINUTES), "cdk synth finished");
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    return new Result(process.exitValue(), output, ms);
  }

  private record Result(int exitCode, String output, long millis) {}

  @Test
  void cdkSynth_withTheReadmeParameters_writesEveryStack() throws Exception {
    Result synth = cdkSynth(Map.of());
    System.out.printf("npx cdk synth: exit %d in %d ms%n", synth.exitCode(), synth.millis());
    assertEquals(0, synth.exitCode(), synth.output());
    try (Stream<Path> files = Files.list(WORK.resolve("cdk.out"))) {
      List<String> templates = files.map(f -> f.getFileName().toString())
          .filter(n -> n.endsWith(".template.json")).sorted().toList();
      assertEquals(List.of("OpenHands-Auth.template.json", "OpenHands-Cluster.template.json",
          "OpenHands-Compute.template.json", "OpenHands-Database.template.json", "OpenHands-Edge.template.json", "OpenHands-Monitoring.template.json",
          "OpenHands-Network.template.json", "OpenHands-Sandbox.template.json", "OpenHands-Security.template.json",
          "OpenHands-UserConfig.template.json"),
          templates);
    }
  }

  @Test
  void cdkSynth_malformedParameter_stopsWithOneLineNamingIt() throws Exception {
    Result synth = cdkSynth(Map.of("vpcId", "vpc-XYZ"));
    assertNotEquals(0, synth.exitCode());
    assertTrue(synth.output().contains(
        "synth stopped: context vpcId: 'vpc-XYZ' (expected: a VPC id such as vpc-0123456789abcdef0)"),
        synth.output());
    assertTrue(!synth.output().contains("at dev.openhands"), "no stack trace: " + synth.output());
  }
}
