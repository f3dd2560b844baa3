package dev.openhands.runtime.gateway.testkit;


import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service (the gateway, the orchestrator) in a child JVM on 127.0.0.1: its {@code Main} on the test class path,
 * or any command line (the jar, as the container image runs it), ready once {@code /health} answers 200 on its
 * port. Its output goes to a file; {@link #close} kills it if a test left it running. A gateway starts without
 * warming its request path ({@code WARMUP_LIMIT=0s}) unless {@code env} says otherwise.
 */
public final class ServiceProcess implements AutoCloseable {

  private final Process process;
  private final Path log;
  private final int port;
  private long healthyAfterMs;

  private ServiceProcess(Process process, Path log, int port) {
    this.process = process;
    this.log = log;
    this.port = port;
  }

  /** Starts the gateway's {@code Main} with the test's class path and {@code env}; returns once healthy. */
  public static ServiceProcess start(Map<String, String> env, List<String> jvmArgs) throws Exception {
    return start(javaCommand(jvmArgs, "dev.openhands.runtime.gateway.Main"), env);
  }

  /** {@code java <jvmArgs> -cp <this test's class path> <mainClass>}. */
  public static List<String> javaCommand(List<String> jvmArgs, String mainClass) {
    List<String> command = new ArrayList<>();
    command.add(java());
    command.addAll(jvmArgs);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    return command;
  }

  /** Kills the process at once (SIGKILL), as a crash would. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  /**
   * Starts {@code command} (a gateway; {@code GATEWAY_PORT} must be in {@code env}); returns once
   * {@code /health} answers.
   */
  public static ServiceProcess start(List<String> command, Map<String, String> env) throws Exception {
    return start(command, env, Integer.parseInt(env.get("GATEWAY_PORT")));
  }

  /** Starts {@code command} with {@code env}; returns once {@code /health} answers 200 on {@code port}. */
  public static ServiceProcess start(List<String> command, Map<String, String> env, int port) throws Exception {
    Path log = Files.createTempFile("service-", ".log");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().clear();
    builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    builder.environment().put("WARMUP_LIMIT", "0s");
    builder.environment().putAll(env);
    ServiceProcess service = new ServiceProcess(builder.start(), log, port);
    service.awaitHealthy(Duration.ofSeconds(60));
    return service;
  }

  public int port() {
    return port;
  }

  /** This JVM's java launcher. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * A Java 25 launcher, the container image's: {@code JAVA25_HOME}'s, else the first JDK 25 under /usr/lib/jvm;
   * empty on a machine that has none.
   */
  public static java.util.Optional<String> java25() throws IOException {
    List<Path> homes = new ArrayList<>();
    String configured = System.getenv("JAVA25_HOME");
    if (configured != null) {
      homes.add(Path.of(configured));
    }
    Path jvms = Path.of("/usr/lib/jvm");
    if (Files.isDirectory(jvms)) {
      try (var listing = Files.list(jvms)) {
        listing.filter(home -> home.getFileName().toString().matches(".*-25(-.*)?|.*-25\\..*")).sorted()
            .forEach(homes::add);
      }
    }
    return homes.stream().map(home -> home.resolve("bin/java")).filter(Files::isExecutable).map(Path::toString)
        .findFirst();
  }

  /** Milliseconds from the start of the process until {@code /health} first answered 200. */
  public long healthyAfterMs() {
    return healthyAfterMs;
  }

  public String output() throws IOException {
    return Files.readString(log);
  }

  /** Sends SIGTERM. */
  public void terminate() {
    process.destroy();
  }

  /** The exit code, waiting up to {@code timeout}; fails when the process is still running. */
  public int awaitExit(Duration timeout) throws Exception {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("process still running after " + timeout + ":\n" + output());
    }
    return process.exitValue();
  }

  /** {@code /health}'s status, or -1 when nothing answers. */
  public int health() {
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
      return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private void awaitHealthy(Duration timeout) throws Exception {
    long started = System.nanoTime();
    while (System.nanoTime() - started < timeout.toNanos()) {
      if (!process.isAlive()) {
        throw new AssertionError("process exited with " + process.exitValue() + ":\n" + output());
      }
      if (health() == 200) {
        healthyAfterMs = (System.nanoTime() - started) / 1_000_000;
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("process not healthy after " + timeout + ":\n" + output());
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(log);
  }

}
