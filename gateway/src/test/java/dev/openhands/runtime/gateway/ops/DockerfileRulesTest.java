package dev.openhands.runtime.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Rules for the image that the linter (dockerfilelint, run by the build) does not check or misreads: pinned base
 * images, a non-root final user, COPY rather than ADD, and an exec-form ENTRYPOINT.
 */
class DockerfileRulesTest {

  private static final Pattern FROM = Pattern.compile("FROM\\s+(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+\\S+)?",
      Pattern.CASE_INSENSITIVE);

  private static List<String> instructions() throws IOException {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(ContainerCommandIT.ROOT.resolve("Dockerfile"))) {
      if (line.isBlank() || line.stripLeading().startsWith("#")) {
        continue;
      }
      current.append(line.strip());
      if (line.endsWith("\\")) {
        current.setLength(current.length() - 1);
        current.append(' ');
      } else {
        lines.add(current.toString());
        current.setLength(0);
      }
    }
    return lines;
  }

  @Test
  void everyBaseImage_isPinnedToATag() throws IOException {
    List<String> images = new ArrayList<>();
    for (String instruction : instructions()) {
      Matcher from = FROM.matcher(instruction);
      if (from.matches()) {
        images.add(from.group(1));
      }
    }
    assertEquals(2, images.size(), "a build stage and a runtime stage: " + images);
    for (String image : images) {
      int colon = image.lastIndexOf(':');
      assertTrue(colon > 0 && colon < image.length() - 1, image + " names no tag");
      assertFalse(image.endsWith(":latest"), image + " uses latest");
    }
  }

  @Test
  void finalUser_isNotRoot() throws IOException {
    String user = instructions().stream().filter(i -> i.startsWith("USER ")).reduce((a, b) -> b).orElse("USER root");
    String name = user.substring(5).split(":")[0].trim();
    assertFalse(name.equals("root") || name.equals("0"), user);
  }

  @Test
  void filesAreCopiedNotAdded_andTheEntrypointIsExecForm() throws IOException {
    List<String> instructions = instructions();
    assertTrue(instructions.stream().noneMatch(i -> i.startsWith("ADD ")), "ADD fetches and unpacks; use COPY");
    String entrypoint = instructions.stream().filter(i -> i.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
    assertTrue(entrypoint.substring(11).startsWith("[\""), "exec form keeps java as PID 1 for SIGTERM: " + entrypoint);
  }

  @Test
  void buildContext_leavesOutBuildOutputAndSecrets() throws IOException {
    List<String> ignored = Files.readAllLines(ContainerCommandIT.ROOT.resolve(".dockerignore"));
    for (String pattern : List.of("**/target/", "**/node_modules/", ".git/", "**/cdk.out/", "cdk/*.json")) {
      assertTrue(ignored.contains(pattern), ".dockerignore lacks " + pattern);
    }
  }
}
