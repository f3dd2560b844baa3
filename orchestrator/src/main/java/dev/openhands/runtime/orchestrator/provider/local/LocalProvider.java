package dev.openhands.runtime.orchestrator.provider.local;

import dev.openhands.runtime.orchestrator.provider.Launch;
import dev.openhands.runtime.orchestrator.provider.Resources;
import dev.openhands.runtime.orchestrator.provider.SandboxProvider;
import dev.openhands.runtime.orchestrator.provider.TaskState;
import dev.openhands.runtime.orchestrator.provider.TaskSummary;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Sandboxes as local processes, each on its own loopback address from 127.0.0.2 to 127.0.0.254 (Linux routes all of
 * 127/8 to the loopback interface), for local mode and tests. The command is {@code LOCAL_SANDBOX_COMMAND} run by
 * {@code /bin/sh -c} with {@code {ip}}, {@code {agentPort}} and {@code {conversationId}} filled in (validated values
 * only: an address, a port and 32 hex characters), or the bundled {@code DemoSandbox}. A sandbox gets only
 * {@code PATH}, {@code HOME}, {@code LANG} and its own start environment, never the orchestrator's (which holds the
 * API keys). Its output goes to {@code <log dir>/<conversation id>.log}. Processes this provider started end with
 * it ({@link #close}).
 */
public final class LocalProvider implements SandboxProvider {

  private static final int FIRST_HOST = 2;
  private static final int LAST_HOST = 254;
  private static final long KILL_AFTER_MS = 5000;

  private final Vertx vertx;
  private final String command;
  private final int agentPort;
  private final Path logDirectory;
  private final Map<String, Started> started = new ConcurrentHashMap<>();

  private record Started(String conversationId, Process process, Instant at) {}

  /**
   * @param command the command template, or {@code null} for the demo sandbox
   * @param agentPort the agent-server port every sandbox listens on at its own address
   */
  public LocalProvider(Vertx vertx, String command, int agentPort, Path logDirectory) {
    this.vertx = vertx;
    this.command = command;
    this.agentPort = agentPort;
    this.logDirectory = logDirectory;
  }

  @Override
  public Future<Resources> prepare(String conversationId, long generation) {
    return Future.succeededFuture(Resources.NONE);
  }

  @Override
  public Future<String> run(Launch launch) {
    return vertx.executeBlocking(() -> {
      synchronized (this) {
        String ip = freeAddress();
        Files.createDirectories(logDirectory);
        File log = logDirectory.resolve(launch.conversationId() + ".log").toFile();
        ProcessBuilder builder = new ProcessBuilder(commandLine(ip, launch.conversationId()))
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log));
        Map<String, String> environment = builder.environment();
        Map<String, String> inherited = new LinkedHashMap<>();
        for (String name : List.of("PATH", "HOME", "LANG", "TMPDIR")) {
          String value = System.getenv(name);
          if (value != null) {
            inherited.put(name, value);
          }
        }
        environment.clear();
        environment.putAll(inherited);
        environment.putAll(launch.environment());
        Process process = builder.start();
        String handle = LocalTask.of(process.toHandle(), ip).handle();
        started.put(handle, new Started(launch.conversationId(), process, Instant.now()));
        return handle;
      }
    }, false);
  }

  private List<String> commandLine(String ip, String conversationId) {
    if (command == null) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      return List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
          "-cp", System.getProperty("java.class.path"), "dev.openhands.runtime.orchestrator.demo.DemoSandbox",
          ip, Integer.toString(agentPort), conversationId);
    }
    String filled = command.replace("{ip}", ip).replace("{agentPort}", Integer.toString(agentPort))
        .replace("{conversationId}", conversationId);
    return List.of("/bin/sh", "-c", filled);
  }

  /** An address whose agent port nothing listens on, and that no sandbox of this provider holds. */
  private String freeAddress() throws IOException {
    List<String> held = started.keySet().stream().map(LocalTask::parse)
        .flatMap(java.util.Optional::stream).map(LocalTask::ip).toList();
    for (int host = FIRST_HOST; host <= LAST_HOST; host++) {
      String ip = "127.0.0." + host;
      if (!held.contains(ip) && bindable(ip)) {
        return ip;
      }
    }
    throw new IOException("no free loopback address from 127.0.0." + FIRST_HOST + " to 127.0.0." + LAST_HOST);
  }

  private boolean bindable(String ip) {
    try (ServerSocket probe = new ServerSocket(agentPort, 1, InetAddress.getByName(ip))) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public Future<Map<String, TaskState>> describe(List<String> taskArns) {
    Map<String, TaskState> states = new LinkedHashMap<>();
    for (String arn : taskArns) {
      states.put(arn, LocalTask.parse(arn)
          .map(task -> task.process().isPresent()
              ? new TaskState(TaskState.Phase.RUNNING, task.ip(), null)
              : TaskState.gone(exitReason(arn)))
          .orElse(TaskState.gone("not a local sandbox")));
    }
    return Future.succeededFuture(states);
  }

  private String exitReason(String arn) {
    Started child = started.get(arn);
    if (child != null && !child.process().isAlive()) {
      return "the process exited with " + child.process().exitValue();
    }
    return "the process is gone";
  }

  /** Sends SIGTERM (to the process and what it started), SIGKILL after 5 s; completes once it has exited. */
  @Override
  public Future<Void> stop(String taskArn, String reason) {
    started.remove(taskArn);
    var process = LocalTask.parse(taskArn).flatMap(LocalTask::process);
    if (process.isEmpty()) {
      return Future.succeededFuture();
    }
    ProcessHandle handle = process.get();
    List<ProcessHandle> descendants = handle.descendants().toList();
    descendants.forEach(ProcessHandle::destroy);
    handle.destroy();
    long timer = vertx.setTimer(KILL_AFTER_MS, id -> {
      descendants.forEach(ProcessHandle::destroyForcibly);
      handle.destroyForcibly();
    });
    return Future.fromCompletionStage(handle.onExit()).<Void>mapEmpty()
        .andThen(ar -> vertx.cancelTimer(timer));
  }

  @Override
  public Future<Void> release(Resources resources) {
    return Future.succeededFuture();
  }

  @Override
  public Future<List<TaskSummary>> listTasks() {
    List<TaskSummary> tasks = new ArrayList<>();
    started.forEach((arn, child) -> {
      if (child.process().isAlive()) {
        tasks.add(new TaskSummary(arn, child.conversationId(), child.at()));
      }
    });
    return Future.succeededFuture(tasks);
  }

  /** Ends every sandbox this provider started. */
  @Override
  public void close() {
    for (Started child : started.values()) {
      child.process().descendants().forEach(ProcessHandle::destroy);
      child.process().destroy();
    }
    for (Started child : started.values()) {
      try {
        if (!child.process().waitFor(3, TimeUnit.SECONDS)) {
          child.process().descendants().forEach(ProcessHandle::destroyForcibly);
          child.process().destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    started.clear();
  }
}
