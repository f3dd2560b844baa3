package dev.openhands.runtime.lambda.bootstrap;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;

/**
 * What the app's database needs before the app's own migrations run, made so by statements that can run any
 * number of times: the two login roles, their rights on the database and its {@code public} schema, and the enum
 * type OpenHands' migrations expect to exist.
 *
 * <p>The proxy user's password is set with pgjdbc's {@link PGConnection#alterUserPassword}, which hashes it on the
 * client (in the server's {@code password_encryption}), so the plain password is in no statement and no log line.
 */
public final class DatabaseUsers {

  /** OpenHands' migrations alter this type without creating it on a fresh database. */
  static final String CALLBACK_STATUS_TYPE =
      "CREATE TYPE public.eventcallbackstatus AS ENUM ('ACTIVE', 'DISABLED', 'COMPLETED', 'ERROR')";

  private final Connection connection;

  public DatabaseUsers(Connection connection) {
    this.connection = connection;
  }

  /** Makes the roles, password, rights and type what {@code request} says; safe to run again. */
  public void ensure(BootstrapRequest request, String proxyPassword) throws SQLException {
    if (proxyPassword.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
      throw new IllegalArgumentException("secret " + request.proxySecretArn() + ": the password holds control"
          + " characters");
    }
    createRoleIfAbsent(request.iamUser());
    execute("GRANT rds_iam TO " + quoted(request.iamUser()));
    createRoleIfAbsent(request.proxyUser());
    connection.unwrap(PGConnection.class).alterUserPassword(request.proxyUser(), proxyPassword.toCharArray(), null);
    if (!typeExists("public", "eventcallbackstatus")) {
      execute(CALLBACK_STATUS_TYPE);
    }
    grantAccess(request.database(), request.iamUser());
    grantAccess(request.database(), request.proxyUser());
  }

  private void grantAccess(String database, String user) throws SQLException {
    String role = quoted(user);
    execute("GRANT ALL PRIVILEGES ON DATABASE " + quoted(database) + " TO " + role);
    execute("GRANT ALL ON SCHEMA public TO " + role);
    execute("GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO " + role);
    execute("GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public TO " + role);
    execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO " + role);
    execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO " + role);
  }

  private void createRoleIfAbsent(String user) throws SQLException {
    if (!exists("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?", user)) {
      execute("CREATE ROLE " + quoted(user) + " LOGIN");
    }
  }

  private boolean typeExists(String schema, String type) throws SQLException {
    return exists("SELECT 1 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace"
        + " WHERE n.nspname = ? AND t.typname = ?", schema, type);
  }

  private boolean exists(String query, String... parameters) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(query)) {
      for (int i = 0; i < parameters.length; i++) {
        statement.setString(i + 1, parameters[i]);
      }
      try (ResultSet rows = statement.executeQuery()) {
        return rows.next();
      }
    }
  }

  private void execute(String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  /** Identifiers were checked by {@link BootstrapRequest} (lower-case letters, digits, underscores). */
  private static String quoted(String identifier) {
    return "\"" + identifier + "\"";
  }
}
