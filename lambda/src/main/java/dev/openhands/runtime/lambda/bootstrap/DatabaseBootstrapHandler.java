package dev.openhands.runtime.lambda.bootstrap;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The Database stack's custom resource ({@code Custom::OpenHandsDbBootstrap}), called by the CDK's provider
 * framework with CloudFormation's event: on Create and Update it reads the admin and proxy secrets and makes the
 * app's database ready ({@link DatabaseUsers}); on Delete it leaves the database alone (the cluster keeps a final
 * snapshot). A failure is thrown, and the framework reports its message to CloudFormation.
 */
public final class DatabaseBootstrapHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {

  static final String PHYSICAL_ID = "openhands-db-bootstrap";

  private final SecretsManagerClient secrets;
  private final int connectAttempts;
  private final Duration connectPause;

  /** Lambda's constructor: Secrets Manager in the function's region, 12 connection attempts 5 s apart. */
  public DatabaseBootstrapHandler() {
    this(SecretsManagerClient.builder().httpClient(UrlConnectionHttpClient.create()).build(), 12,
        Duration.ofSeconds(5));
  }

  DatabaseBootstrapHandler(SecretsManagerClient secrets, int connectAttempts, Duration connectPause) {
    this.secrets = secrets;
    this.connectAttempts = connectAttempts;
    this.connectPause = connectPause;
  }

  @Override
  public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
    String type = String.valueOf(event.get("RequestType"));
    Object physicalId = event.getOrDefault("PhysicalResourceId", PHYSICAL_ID);
    if (type.equals("Delete")) {
      return Map.of("PhysicalResourceId", physicalId);
    }
    if (!type.equals("Create") && !type.equals("Update")) {
      throw new IllegalArgumentException("RequestType: '" + type + "' (expected: Create, Update or Delete)");
    }
    Object properties = event.get("ResourceProperties");
    if (!(properties instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("ResourceProperties: not set");
    }
    @SuppressWarnings("unchecked")
    BootstrapRequest request = BootstrapRequest.from((Map<String, ?>) map);
    DatabaseCredentials admin = credentials(request.adminSecretArn());
    DatabaseCredentials proxy = credentials(request.proxySecretArn());
    if (!proxy.username().equals(request.proxyUser())) {
      throw new IllegalArgumentException("secret " + request.proxySecretArn() + ": user '" + proxy.username()
          + "', but the proxy user is '" + request.proxyUser() + "'");
    }
    try (Connection connection = connect(request, admin)) {
      new DatabaseUsers(connection).ensure(request, proxy.password());
    } catch (SQLException e) {
      throw new IllegalStateException("database " + request.database() + " at " + request.host() + ": "
          + e.getMessage(), e);
    }
    return Map.of("PhysicalResourceId", physicalId,
        "Data", Map.of("IamDatabaseUser", request.iamUser(), "ProxyDatabaseUser", request.proxyUser()));
  }

  private DatabaseCredentials credentials(String secretId) {
    return DatabaseCredentials.parse(secretId, secrets.getSecretValue(r -> r.secretId(secretId)).secretString());
  }

  /** The cluster may still be coming up when CloudFormation calls: retried, with the last failure reported. */
  private Connection connect(BootstrapRequest request, DatabaseCredentials admin) throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", admin.username());
    properties.setProperty("password", admin.password());
    SQLException last = null;
    for (int attempt = 1; attempt <= connectAttempts; attempt++) {
      try {
        return DriverManager.getConnection(request.jdbcUrl(), properties);
      } catch (SQLException e) {
        last = e;
        if (attempt < connectAttempts) {
          pause();
        }
      }
    }
    throw new SQLException("no connection after " + connectAttempts + " attempts: " + last.getMessage(), last);
  }

  private void pause() {
    try {
      Thread.sleep(connectPause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the database", e);
    }
  }
}
