package dev.openhands.runtime.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.Dockerfile;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Rules for the image that the linter (dockerfilelint, run by the build) does not check or misreads: pinned base
 * images, a non-root final user, COPY rather than ADD, an exec-form ENTRYPOINT, and every module's POM in the
 * build stage.
 */
class DockerfileRulesTest {

  @Test
  void everyBaseImage_isPinnedToATag_andBothImagesAreTargets() throws IOException {
    Map<String, Dockerfile.Stage> stages = Dockerfile.stages();
    assertEquals(List.of("build", "orchestrator", "gateway"), List.copyOf(stages.keySet()),
        "a build stage, then --target orchestrator and --target gateway (the default, last)");
    for (Dockerfile.Stage stage : stages.values()) {
      String image = stage.image();
      int colon = image.lastIndexOf(':');
      assertTrue(colon > 0 && colon < image.length() - 1, image + " names no tag");
      assertFalse(image.endsWith(":latest"), image + " uses latest");
    }
  }

  @Test
  void eachImagesUser_isNotRoot() throws IOException {
    for (String image : List.of("orchestrator", "gateway")) {
      String user = Dockerfile.stages().get(image).instructions().stream().filter(i -> i.startsWith("USER "))
          .reduce((a, b) -> b).orElse("USER root");
      String name = user.substring(5).split(":")[0].trim();
      assertFalse(name.equals("root") || name.equals("0"), image + ": " + user);
    }
  }

  @Test
  void filesAreCopiedNotAdded_andTheEntrypointIsExecForm() throws IOException {
    List<String> instructions = Dockerfile.instructions();
    assertTrue(instructions.stream().noneMatch(i -> i.startsWith("ADD ")), "ADD fetches and unpacks; use COPY");
    List<String> entrypoints = instructions.stream().filter(i -> i.startsWith("ENTRYPOINT ")).toList();
    assertEquals(2, entrypoints.size(), "one per image");
    for (String entrypoint : entrypoints) {
      assertTrue(entrypoint.substring(11).startsWith("[\""), "exec form keeps java as PID 1 for SIGTERM: " + entrypoint);
    }
  }

  /** Maven reads every module of the reactor, even with {@code -pl}: a module's POM left out fails the build. */
  @Test
  void buildStage_copiesThePomOfEveryModule() throws IOException {
    String rootPom = Files.readString(Dockerfile.ROOT.resolve("pom.xml"));
    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(rootPom);
    List<String> copies = Dockerfile.stages().get("build").instructions().stream()
        .filter(i -> i.startsWith("COPY ")).toList();
    int modules = 0;
    while (module.find()) {
      modules++;
      String copy = "COPY " + module.group(1) + "/pom.xml " + module.group(1) + "/";
      assertTrue(copies.contains(copy), "the build stage lacks: " + copy);
    }
    assertTrue(modules >= 5, "modules read from the root POM: " + modules);
  }

  @Test
  void buildContext_leavesOutBuildOutputAndSecrets() throws IOException {
    List<String> ignored = Files.readAllLines(Dockerfile.ROOT.resolve(".dockerignore"));
    for (String pattern : List.of("**/target/", "**/node_modules/", ".git/", "**/cdk.out/", "cdk/*.json")) {
      assertTrue(ignored.contains(pattern), ".dockerignore lacks " + pattern);
    }
  }
}
