package dev.openhands.runtime.orchestrator.testkit;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL server from Debian's {@code postgresql} package, on a free port of 127.0.0.1, with its data in
 * a temporary directory that {@link #close} removes. As root (CI), the server runs as the {@code postgres} user,
 * since PostgreSQL refuses to run as root.
 */
public final class LocalPostgres implements AutoCloseable {

  public static final String USER = "openhands";
  public static final String DATABASE = "openhands";

  private final Path data;
  private final int port;
  private final Process server;

  private LocalPostgres(Path data, int port, Process server) {
    this.data = data;
    this.port = port;
    this.server = server;
  }

  public static LocalPostgres start() throws Exception {
    Path bin = binaries();
    Path data = Files.createTempDirectory("postgres-");
    boolean root = "root".equals(System.getProperty("user.name"));
    if (root) {
      run(List.of("chown", "postgres:postgres", data.toString()), false);
    }
    run(List.of(bin.resolve("initdb").toString(), "-D", data.resolve("db").toString(), "-U", USER,
        "--auth=trust", "--encoding=UTF8", "--no-sync"), root);
    int port = DynamoDbLocal.freePort();
    List<String> command = asUser(List.of(bin.resolve("postgres").toString(), "-D", data.resolve("db").toString(),
        "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", data.toString(), "-F"), root);
    Process server = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(data.resolve("server.log").toFile()).start();
    LocalPostgres postgres = new LocalPostgres(data, port, server);
    postgres.awaitReady();
    try (Connection c = DriverManager.getConnection(postgres.url("postgres"), USER, "")) {
      c.createStatement().execute("CREATE DATABASE " + DATABASE);
    }
    return postgres;
  }

  /** The JDBC URL of {@link #DATABASE}. */
  public String url() {
    return url(DATABASE);
  }

  private String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url(), USER, "");
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("postgres exited: " + Files.readString(data.resolve("server.log")));
      }
      try (Connection c = DriverManager.getConnection(url("postgres"), USER, "")) {
        return;
      } catch (SQLException e) {
        last = e;
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("postgres not ready after 30 s", last);
  }

  /** Where Debian's PostgreSQL server binaries are ({@code apt-get install postgresql}). */
  static Path binaries() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        var found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("postgres")))
            .max(Comparator.naturalOrder());
        if (found.isPresent()) {
          return found.get();
        }
      }
    }
    throw new IllegalStateException("PostgreSQL's server is not installed: apt-get install postgresql "
        + "(the owner look-up tests run against a real PostgreSQL)");
  }

  private static List<String> asUser(List<String> command, boolean root) {
    if (!root) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private static void run(List<String> command, boolean root) throws Exception {
    Process process = new ProcessBuilder(asUser(command, root)).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed with " + process.exitValue());
    }
  }

  @Override
  public void close() throws Exception {
    server.destroy();
    if (!server.waitFor(10, TimeUnit.SECONDS)) {
      server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    try (Stream<Path> files = Files.walk(data)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
