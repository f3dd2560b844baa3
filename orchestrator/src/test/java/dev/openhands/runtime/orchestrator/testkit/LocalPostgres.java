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
 * since PostgreSQL refuses to run as root. {@link #start()} trusts every connection; {@link #withPasswords} checks
 * passwords (SCRAM) on TCP, as a managed database does.
 */
public final class LocalPostgres implements AutoCloseable {

  public static final String USER = "openhands";
  public static final String DATABASE = "openhands";

  private final Path data;
  private final int port;
  private final Process server;
  private final String password;

  private LocalPostgres(Path data, int port, Process server, String password) {
    this.data = data;
    this.port = port;
    this.server = server;
    this.password = password;
  }

  /** A server that lets every local connection in, whatever its password. */
  public static LocalPostgres start() throws Exception {
    return start("");
  }

  /** A server that checks passwords on TCP; {@link #USER}, a superuser, signs in with {@code superuserPassword}. */
  public static LocalPostgres withPasswords(String superuserPassword) throws Exception {
    if (superuserPassword.isEmpty()) {
      throw new IllegalArgumentException("a password is needed");
    }
    return start(superuserPassword);
  }

  private static LocalPostgres start(String password) throws Exception {
    Path bin = binaries();
    Path data = Files.createTempDirectory("postgres-");
    boolean root = "root".equals(System.getProperty("user.name"));
    List<String> initdb = new ArrayList<>(List.of(bin.resolve("initdb").toString(), "-D",
        data.resolve("db").toString(), "-U", USER, "--encoding=UTF8", "--no-sync"));
    if (password.isEmpty()) {
      initdb.add("--auth=trust");
    } else {
      Path passwordFile = Files.writeString(data.resolve("superuser-password"), password + "\n");
      initdb.addAll(List.of("--auth-local=trust", "--auth-host=scram-sha-256", "--pwfile=" + passwordFile));
    }
    if (root) {
      run(List.of("chown", "-R", "postgres:postgres", data.toString()), false);
    }
    run(initdb, root);
    int port = DynamoDbLocal.freePort();
    List<String> command = asUser(List.of(bin.resolve("postgres").toString(), "-D", data.resolve("db").toString(),
        "-p", Integer.toString(port), "-h", "127.0.0.1", "-k", data.toString(), "-F"), root);
    Process server = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(data.resolve("server.log").toFile()).start();
    LocalPostgres postgres = new LocalPostgres(data, port, server, password);
    postgres.awaitReady();
    try (Connection c = DriverManager.getConnection(postgres.url("postgres"), USER, password)) {
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

  public int port() {
    return port;
  }

  /** A connection to {@link #DATABASE} as {@link #USER}, the superuser. */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url(), USER, password);
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("postgres exited: " + Files.readString(data.resolve("server.log")));
      }
      try (Connection c = DriverManager.getConnection(url("postgres"), USER, password)) {
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
