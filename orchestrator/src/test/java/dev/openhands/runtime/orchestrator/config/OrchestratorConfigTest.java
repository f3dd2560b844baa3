package dev.openhands.runtime.orchestrator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.common.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OrchestratorConfigTest {

  static Map<String, String> ecs() {
    Map<String, String> env = new HashMap<>();
    env.put("SANDBOX_TABLE", "openhands-sandboxes");
    env.put("ORCHESTRATOR_API_KEYS", "0123456789abcdef-key");
    env.put("ECS_CLUSTER", "openhands");
    env.put("SANDBOX_TASK_FAMILY", "openhands-sandbox");
    env.put("SANDBOX_SUBNETS", "subnet-0123456789abcdef0, subnet-0123456789abcdef1");
    env.put("SANDBOX_SECURITY_GROUPS", "sg-0123456789abcdef0");
    env.put("EFS_FILE_SYSTEM_ID", "fs-0123456789abcdef0");
    return env;
  }

  @Test
  void defaults_matchTheDesign() {
    OrchestratorConfig c = OrchestratorConfig.fromEnv(ecs());
    assertEquals(8081, c.apiPort());
    assertEquals(9091, c.adminPort());
    assertEquals("0.0.0.0", c.bindAddress());
    assertEquals(ProviderKind.ECS, c.provider());
    assertEquals(8000, c.agentServerPort());
    assertEquals(Duration.ofSeconds(180), c.startTimeout());
    assertEquals(Duration.ofMinutes(30), c.idleTimeout());
    assertEquals(Duration.ofDays(180), c.retention());
    assertEquals(Duration.ofSeconds(30), c.reconcileInterval());
    assertEquals(Duration.ofSeconds(25), c.drainTimeout());
    assertEquals(2, c.ecs().subnets().size());
    assertFalse(c.looksUpOwners());
    assertEquals(OrchestratorConfig.DEFAULT_OWNER_QUERY, c.ownerDbQuery());
  }

  @Test
  void theGatewaysKeys_comeFromTheirOwnVariable_andEachCallerMayRotate() {
    Map<String, String> env = ecs();
    env.put("ORCHESTRATOR_API_KEYS", "app-key-0123456789,app-key-next-0123456789");
    env.put("ORCHESTRATOR_GATEWAY_API_KEYS", "gateway-key-0123456789");
    assertEquals(java.util.List.of("app-key-0123456789", "app-key-next-0123456789", "gateway-key-0123456789"),
        OrchestratorConfig.fromEnv(env).apiKeys());
    env.put("ORCHESTRATOR_GATEWAY_API_KEYS", "gateway-key-0123456789,gateway-key-1123456789,gateway-key-2123456789");
    ConfigException bad = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
        () -> OrchestratorConfig.fromEnv(env));
    assertEquals("ORCHESTRATOR_GATEWAY_API_KEYS: 3 values (expected: one, or two separated by a comma during rotation)",
        bad.getMessage());
  }

  @Test
  void localProvider_needsNoEcsSettings_andDefaultsToTheDemoSandbox() {
    OrchestratorConfig c = OrchestratorConfig.fromEnv(Map.of("SANDBOX_TABLE", "t-1", "SANDBOX_PROVIDER", "local",
        "ORCHESTRATOR_API_KEYS", "0123456789abcdef-key"));
    assertEquals(ProviderKind.LOCAL, c.provider());
    assertNull(c.ecs());
    assertNull(c.localSandboxCommand());
  }

  @Test
  void toString_hidesKeysAndPasswords() {
    Map<String, String> env = ecs();
    env.put("OWNER_DB_URL", "jdbc:postgresql://db:5432/openhands?password=hunter2hunter2");
    env.put("OWNER_DB_PASSWORD", "hunter2hunter2");
    String shown = OrchestratorConfig.fromEnv(env).toString();
    assertFalse(shown.contains("0123456789abcdef-key"), shown);
    assertFalse(shown.contains("hunter2"), shown);
    assertTrue(shown.contains("apiKeys=1 (hidden)"), shown);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "ORCHESTRATOR_API_KEYS   | short                  | ORCHESTRATOR_API_KEYS: a key of 5 characters (expected: at least 16)",
      "ORCHESTRATOR_API_KEYS   | ' , '                  | ORCHESTRATOR_API_KEYS: not set (expected: one or more values separated by commas)",
      "SANDBOX_PROVIDER        | docker                 | SANDBOX_PROVIDER: 'docker' (expected: ecs or local)",
      "ECS_CLUSTER             | ''                     | ECS_CLUSTER: not set (expected: a value)",
      "SANDBOX_SUBNETS         | subnet-1               | SANDBOX_SUBNETS: 'subnet-1' (expected: ids like subnet-0123456789abcdef0)",
      "SANDBOX_SECURITY_GROUPS | sg-0123456789abcdef0,x | SANDBOX_SECURITY_GROUPS: 'x' (expected: ids like sg-0123456789abcdef0)",
      "EFS_FILE_SYSTEM_ID      | efs-1                  | EFS_FILE_SYSTEM_ID: 'efs-1' (expected: a value like fs-0123456789abcdef0)",
      "SANDBOX_TASK_FAMILY     | a/b                    | SANDBOX_TASK_FAMILY: 'a/b' (expected: a value like openhands-sandbox)",
      "START_TIMEOUT           | soon                   | START_TIMEOUT: 'soon' (expected: a duration such as 500ms, 30s, 5m, 1h, 180d or PT30S)",
      "RETENTION               | 0d                     | RETENTION: '0d' (expected: > 0)",
      "ADMIN_PORT              | 8081                   | ADMIN_PORT: 8081 (expected: a port other than ORCHESTRATOR_PORT)",
      "AGENT_SERVER_PORT       | 0                      | AGENT_SERVER_PORT: 0 (expected: a port from 1 to 65535)",
      "OWNER_DB_URL            | mysql://db             | OWNER_DB_URL: 'mysql://db' (expected: a PostgreSQL JDBC URL, jdbc:postgresql://host:port/database)",
      "OWNER_DB_QUERY          | SELECT 1               | OWNER_DB_QUERY: (expected: SQL with two ? parameters, the id in hex and dashed)",
      "WORKSPACE_ROOT          | relative/path          | WORKSPACE_ROOT: 'relative/path' (expected: an absolute path)",
      "DATA_BUCKET             | Not_A_Bucket           | DATA_BUCKET: 'Not_A_Bucket' (expected: an S3 bucket name)",
      "ECS_ENDPOINT            | ftp://x                | ECS_ENDPOINT: 'ftp://x' (expected: http://host:port)",
      "SANDBOX_TABLE           | a                      | SANDBOX_TABLE: 'a' (expected: 3 to 255 letters, digits, '_', '-' or '.')"})
  void badValue_oneLineNamingTheVariable(String name, String value, String message) {
    Map<String, String> env = ecs();
    env.put(name, value);
    assertEquals(message, assertThrows(ConfigException.class, () -> OrchestratorConfig.fromEnv(env)).getMessage());
  }

  @Test
  void localCommand_mustListenOnItsAddress() {
    Map<String, String> env = Map.of("SANDBOX_TABLE", "t-1", "SANDBOX_PROVIDER", "local",
        "ORCHESTRATOR_API_KEYS", "0123456789abcdef-key", "LOCAL_SANDBOX_COMMAND", "python3 -m http.server");
    assertEquals("LOCAL_SANDBOX_COMMAND: 'python3 -m http.server' (expected: a command that listens on {ip}; "
        + "{agentPort} and {conversationId} are filled in too)",
        assertThrows(ConfigException.class, () -> OrchestratorConfig.fromEnv(env)).getMessage());
  }
}
