package dev.openhands.runtime.lambda.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.lambda.testkit.SecretsManagerStandIn;
import dev.openhands.runtime.orchestrator.testkit.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bootstrap custom resource against a real PostgreSQL (Debian's package) that checks passwords, with the
 * secrets served in Secrets Manager's wire format: the event is CloudFormation's, as the provider framework
 * passes it on.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class DatabaseBootstrapHandlerTest {

  private static final String ADMIN_PASSWORD = "admin-Pa55word";
  private static final String ADMIN_SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:admin";
  private static final String PROXY_SECRET = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:proxy";

  private static LocalPostgres postgres;
  private static SecretsManagerStandIn secrets;
  private static DatabaseBootstrapHandler handler;

  @BeforeAll
  static void start() throws Exception {
    postgres = LocalPostgres.withPasswords(ADMIN_PASSWORD);
    try (Connection c = postgres.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE rds_iam NOLOGIN"); // Aurora's built-in role for IAM sign-in
    }
    secrets = new SecretsManagerStandIn();
    secrets.put(ADMIN_SECRET, "{\"username\":\"" + LocalPostgres.USER + "\",\"password\":\"" + ADMIN_PASSWORD
        + "\",\"engine\":\"postgres\",\"port\":5432}");
    handler = new DatabaseBootstrapHandler(secrets.client(), 2, Duration.ofMillis(100));
  }

  @AfterAll
  static void stop() throws Exception {
    secrets.close();
    postgres.close();
  }

  private static Map<String, Object> event(String type, Map<String, Object> overrides) {
    Map<String, Object> properties = new HashMap<>(Map.of(
        "ServiceToken", "arn:aws:lambda:eu-west-1:111111111111:function:provider",
        "host", "127.0.0.1", "port", String.valueOf(postgres.port()), "database", LocalPostgres.DATABASE,
        "iamDatabaseUser", "openhands_iam", "proxyDatabaseUser", "openhands_proxy",
        "adminSecretArn", ADMIN_SECRET, "proxySecretArn", PROXY_SECRET, "sslMode", "disable"));
    properties.putAll(overrides);
    Map<String, Object> event = new HashMap<>(Map.of("RequestType", type, "ResourceProperties", properties,
        "StackId", "arn:aws:cloudformation:eu-west-1:111111111111:stack/OpenHands-Database/1",
        "LogicalResourceId", "DbBootstrap", "ResourceType", "Custom::OpenHandsDbBootstrap"));
    if (!type.equals("Create")) {
      event.put("PhysicalResourceId", DatabaseBootstrapHandler.PHYSICAL_ID);
    }
    return event;
  }

  private static void proxyPassword(String password) {
    secrets.put(PROXY_SECRET, "{\"username\":\"openhands_proxy\",\"password\":" + json(password) + "}");
  }

  private static String json(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static Connection asProxyUser(String password) throws SQLException {
    return DriverManager.getConnection(postgres.url(), "openhands_proxy", password);
  }

  private static boolean query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
      return rows.next() && rows.getBoolean(1);
    }
  }

  @Test
  void create_theProxyUserSignsInWithTheSecretsPasswordAndOwnsWhatItCreates() throws Exception {
    proxyPassword("first-Pa55word");
    Map<String, Object> answer = handler.handleRequest(event("Create", Map.of()), null);
    assertEquals(DatabaseBootstrapHandler.PHYSICAL_ID, answer.get("PhysicalResourceId"));

    try (Connection c = asProxyUser("first-Pa55word"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS app_probe (id int)");
      s.execute("INSERT INTO app_probe VALUES (1)");
      assertFalse(query(c, "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"),
          "the app's user is no superuser and creates no roles");
    }
    try (Connection c = postgres.connect()) {
      assertTrue(query(c, "SELECT pg_has_role('openhands_iam', 'rds_iam', 'MEMBER')"), "IAM user in rds_iam");
      assertTrue(query(c, "SELECT count(*) = 1 FROM pg_type WHERE typname = 'eventcallbackstatus'"),
          "the enum the app's migrations expect");
    }
  }

  @Test
  void update_aRotatedPasswordReplacesTheOldOne_andRunningAgainChangesNothingElse() throws Exception {
    proxyPassword("before-Rotation1");
    handler.handleRequest(event("Create", Map.of()), null);
    String rotated = "it's \\ \"quoted\" $1; DROP ROLE openhands_iam; --";
    proxyPassword(rotated);
    handler.handleRequest(event("Update", Map.of()), null);
    handler.handleRequest(event("Update", Map.of()), null);

    try (Connection c = asProxyUser(rotated)) {
      assertTrue(query(c, "SELECT current_user = 'openhands_proxy'"));
    }
    assertThrows(SQLException.class, () -> asProxyUser("before-Rotation1").close(), "the old password is refused");
    try (Connection c = postgres.connect()) {
      assertTrue(query(c, "SELECT count(*) = 1 FROM pg_roles WHERE rolname = 'openhands_iam'"),
          "the password was a literal, not SQL");
    }
  }

  @Test
  void aBadIdentifier_isRefusedByName_beforeAnySecretIsRead() {
    int readsBefore = secrets.reads();
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> handler.handleRequest(
        event("Create", Map.of("proxyDatabaseUser", "x\"; DROP DATABASE openhands; --")), null));
    assertTrue(refused.getMessage().startsWith("property proxyDatabaseUser: "), refused.getMessage());
    assertEquals(readsBefore, secrets.reads());
  }

  @Test
  void aSecretForAnotherUser_isRefused() {
    secrets.put(PROXY_SECRET, "{\"username\":\"someone_else\",\"password\":\"x-Pa55word\"}");
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> handler.handleRequest(event("Create", Map.of()), null));
    assertTrue(refused.getMessage().contains("someone_else"), refused.getMessage());
  }

  @Test
  void anUnreachableDatabase_failsAfterItsAttempts_withTheDriversReason() {
    proxyPassword("unreachable-Pa55");
    IllegalStateException failed = assertThrows(IllegalStateException.class, () -> handler.handleRequest(
        event("Create", Map.of("port", String.valueOf(DynamoDbLocal.freePort()))), null));
    assertTrue(failed.getMessage().contains("no connection after 2 attempts"), failed.getMessage());
  }

  @Test
  void delete_leavesTheDatabaseAlone_andReadsNoSecret() {
    int readsBefore = secrets.reads();
    Map<String, Object> answer = handler.handleRequest(event("Delete", Map.of()), null);
    assertEquals(DatabaseBootstrapHandler.PHYSICAL_ID, answer.get("PhysicalResourceId"));
    assertEquals(readsBefore, secrets.reads());
  }
}
