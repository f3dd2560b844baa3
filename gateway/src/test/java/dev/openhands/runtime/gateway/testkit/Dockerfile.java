package dev.openhands.runtime.gateway.testkit;

import io.vertx.core.json.JsonArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The root Dockerfile, read as its stages and their instructions (continuation lines joined, comments left out), so
 * that tests can check its rules and start each image's exact ENTRYPOINT without a Docker engine.
 */
public final class Dockerfile {

  /** The repository root, seen from a module's directory (where Maven runs tests). */
  public static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern FROM = Pattern.compile("FROM\\s+(?:--platform=\\S+\\s+)?(\\S+)(?:\\s+AS\\s+(\\S+))?",
      Pattern.CASE_INSENSITIVE);
  /** An environment assignment before a RUN instruction's command. */
  private static final Pattern ASSIGNMENT = Pattern.compile("([A-Z][A-Z0-9_]*)=(\\S*)");

  /** One stage: its base image and its instructions after FROM. */
  public record Stage(String name, String image, List<String> instructions) {}

  /** A command of a RUN instruction: the variables set before it, and its arguments. */
  public record Command(Map<String, String> env, List<String> args) {}

  private Dockerfile() {}

  /** Every instruction, in order. */
  public static List<String> instructions() throws IOException {
    List<String> lines = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : Files.readAllLines(ROOT.resolve("Dockerfile"))) {
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

  /** The stages by name, in order. */
  public static Map<String, Stage> stages() throws IOException {
    Map<String, Stage> stages = new LinkedHashMap<>();
    Stage current = null;
    for (String instruction : instructions()) {
      Matcher from = FROM.matcher(instruction);
      if (from.matches()) {
        String name = from.group(2) == null ? "stage-" + stages.size() : from.group(2);
        current = new Stage(name, from.group(1), new ArrayList<>());
        stages.put(name, current);
      } else if (current != null) {
        current.instructions().add(instruction);
      }
    }
    return stages;
  }

  /**
   * The first command of the RUN instruction of {@code stage} that contains {@code marker}, of the form
   * {@code RUN NAME=value ... java ... [&& ...]}, for {@code java} (the command's first word): each {@code /app/...}
   * path replaced as {@code files} says.
   */
  public static Command run(String stage, String marker, String java, Map<String, Path> files) throws IOException {
    String line = stage(stage).instructions().stream().filter(i -> i.startsWith("RUN ") && i.contains(marker))
        .findFirst().orElseThrow(() -> new AssertionError("no RUN with " + marker + " in stage " + stage));
    Map<String, String> env = new LinkedHashMap<>();
    List<String> args = new ArrayList<>();
    for (String word : line.substring("RUN ".length()).split("\\s+")) {
      if (word.equals("&&")) {
        break;
      }
      Matcher assignment = ASSIGNMENT.matcher(word);
      if (args.isEmpty() && assignment.matches()) {
        env.put(assignment.group(1), assignment.group(2));
      } else {
        args.add(args.isEmpty() ? java : mapped(word, files, line));
      }
    }
    return new Command(env, args);
  }

  /**
   * The ENTRYPOINT of {@code stage} as a command line for this machine: {@code java} is this JVM's, and each
   * {@code /app/...} path is replaced as {@code files} says.
   */
  public static List<String> entrypoint(String stage, Map<String, Path> files) throws IOException {
    return entrypoint(stage, ServiceProcess.java(), files);
  }

  /** The ENTRYPOINT of {@code stage} for the {@code java} launcher given. */
  public static List<String> entrypoint(String stage, String java, Map<String, Path> files) throws IOException {
    String line = stage(stage).instructions().stream().filter(i -> i.startsWith("ENTRYPOINT ")).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no ENTRYPOINT in stage " + stage));
    List<String> command = new ArrayList<>();
    for (Object part : new JsonArray(line.substring("ENTRYPOINT ".length()))) {
      String arg = (String) part;
      command.add(arg.equals("java") ? java : mapped(arg, files, line));
    }
    return command;
  }

  private static Stage stage(String name) throws IOException {
    return Optional.ofNullable(stages().get(name))
        .orElseThrow(() -> new AssertionError("no stage " + name + " in the Dockerfile"));
  }

  private static String mapped(String arg, Map<String, Path> files, String line) {
    for (Map.Entry<String, Path> file : files.entrySet()) {
      arg = arg.replace(file.getKey(), file.getValue().toString());
    }
    if (arg.contains("/app/")) {
      throw new AssertionError("unmapped image path " + arg + " in " + line);
    }
    return arg;
  }
}
