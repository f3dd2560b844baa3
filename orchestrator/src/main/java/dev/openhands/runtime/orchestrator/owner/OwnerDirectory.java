package dev.openhands.runtime.orchestrator.owner;

import dev.openhands.runtime.common.registry.RegistrySchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.Properties;

/**
 * The app's database, asked who owns a conversation: {@code OWNER_DB_QUERY} with the id in hex and in dashed form
 * (OpenHands has stored both). One short connection per look-up, on a worker thread: look-ups are rare (a start
 * without an owner) and must not hold connections of the app's database.
 */
public final class OwnerDirectory {

  private static final int TIMEOUT_SECONDS = 5;

  private final Vertx vertx;
  private final String url;
  private final Properties credentials = new Properties();
  private final String query;

  public OwnerDirectory(Vertx vertx, String url, String user, String password, String query) {
    this.vertx = vertx;
    this.url = url;
    this.query = query;
    if (user != null) {
      credentials.setProperty("user", user);
    }
    if (password != null) {
      credentials.setProperty("password", password);
    }
    credentials.setProperty("connectTimeout", Integer.toString(TIMEOUT_SECONDS));
    credentials.setProperty("socketTimeout", Integer.toString(TIMEOUT_SECONDS * 2));
    credentials.setProperty("loginTimeout", Integer.toString(TIMEOUT_SECONDS));
    credentials.setProperty("ApplicationName", "openhands-orchestrator");
    credentials.setProperty("readOnly", "true");
  }

  /** The owner's id, empty when the database does not know the conversation (yet); fails when it cannot be asked. */
  public Future<Optional<String>> ownerOf(String conversationId) {
    return vertx.executeBlocking(() -> lookUp(conversationId), false);
  }

  private Optional<String> lookUp(String conversationId) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url, credentials);
        PreparedStatement statement = connection.prepareStatement(query)) {
      statement.setQueryTimeout(TIMEOUT_SECONDS);
      statement.setString(1, conversationId);
      statement.setString(2, RegistrySchema.dashed(conversationId));
      try (ResultSet result = statement.executeQuery()) {
        while (result.next()) {
          String owner = result.getString(1);
          if (owner != null && !owner.isBlank()) {
            return Optional.of(owner.trim());
          }
        }
        return Optional.empty();
      }
    }
  }
}
