package dev.openhands.runtime.gateway.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.common.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GatewayConfigTest {

  static Map<String, String> minimal() {
    Map<String, String> env = new HashMap<>();
    env.put("SANDBOX_TABLE", "openhands-sandboxes");
    env.put("ORIGIN_VERIFY_SECRET", "0123456789abcdef-secret");
    return env;
  }

  static String failure(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(env)).getMessage();
  }

  @Test
  void defaults_matchTheDesign() {
    GatewayConfig c = GatewayConfig.fromEnv(minimal());
    assertEquals(8080, c.gatewayPort());
    assertEquals(9090, c.adminPort());
    assertEquals(RuntimeAuth.OWNER, c.runtimeAuth());
    assertTrue(c.originVerifyRequired());
    assertEquals(Duration.ofSeconds(10), c.routeRefresh());
    assertEquals(Duration.ofMinutes(5), c.routeMaxStale());
    assertEquals(Duration.ofSeconds(2), c.routeNegativeTtl());
    assertEquals(100_000, c.routeCacheMax());
    assertEquals(Duration.ofSeconds(300), c.webSocketIdleTimeout());
    assertEquals(512, c.sandboxMaxConnections());
    assertEquals(java.util.Set.of("__Host-id_token", "__Host-refresh_token", "__Host-auth_state", "id_token",
        "refresh_token", "auth_state"), c.stripCookies());
    assertEquals(null, c.signInUrl());
    assertEquals(Duration.ofSeconds(5), c.drainDelay());
    assertEquals(Duration.ofSeconds(25), c.drainTimeout());
    assertEquals(Duration.ofSeconds(20), c.warmupLimit());
  }

  @Test
  void twoSecrets_duringRotation() {
    Map<String, String> env = minimal();
    env.put("ORIGIN_VERIFY_SECRET", "0123456789abcdef-old, 0123456789abcdef-new");
    assertEquals(2, GatewayConfig.fromEnv(env).originVerifySecrets().size());
  }

  @Test
  void toString_hidesSecrets() {
    String text = GatewayConfig.fromEnv(minimal()).toString();
    assertFalse(text.contains("0123456789abcdef-secret"), text);
  }

  @Test
  void durations_inShortAndIsoForms() {
    Map<String, String> env = minimal();
    env.put("ROUTE_REFRESH", "500ms");
    env.put("ROUTE_MAX_STALE", "PT1H");
    env.put("UPSTREAM_IDLE_TIMEOUT", "5m");
    GatewayConfig c = GatewayConfig.fromEnv(env);
    assertEquals(Duration.ofMillis(500), c.routeRefresh());
    assertEquals(Duration.ofHours(1), c.routeMaxStale());
    assertEquals(Duration.ofMinutes(5), c.upstreamIdleTimeout());
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
      "SANDBOX_MAX_CONNECTIONS | 0        | SANDBOX_MAX_CONNECTIONS: 0 (expected: > 0)",
      "SANDBOX_MAX_CONNECTIONS | many     | SANDBOX_MAX_CONNECTIONS: 'many' (expected: a whole number)",
      "GATEWAY_PORT            | 70000    | GATEWAY_PORT: 70000 (expected: a port from 1 to 65535)",
      "ROUTE_REFRESH           | 10 s     | ROUTE_REFRESH: '10 s' (expected: a duration such as 500ms, 30s, 5m, 1h, 180d or PT30S)",
      "ROUTE_REFRESH           | 0s       | ROUTE_REFRESH: '0s' (expected: > 0)",
      "ROUTE_REFRESH           | 10m      | ROUTE_REFRESH: 10m (expected: < ROUTE_MAX_STALE, 5m)",
      "DRAIN_DELAY             | 30s      | DRAIN_DELAY: 30s (expected: < DRAIN_TIMEOUT, 25s)",
      "WARMUP_LIMIT            | 1m       | WARMUP_LIMIT: 1m (expected: at most 45s, within the load balancer's health check grace; 0s: no warm-up)",
      "WARMUP_LIMIT            | soon     | WARMUP_LIMIT: 'soon' (expected: a duration such as 500ms, 30s, 5m, 1h, 180d or PT30S)",
      "SIGN_IN_URL             | http://openhands.example.com/_login | SIGN_IN_URL: 'http://openhands.example.com/_login' (expected: https://<main host>/<path>, such as https://openhands.example.com/_login)",
      "SIGN_IN_URL             | https://openhands.example.com/_login?x=1 | SIGN_IN_URL: 'https://openhands.example.com/_login?x=1' (expected: https://<main host>/<path>, such as https://openhands.example.com/_login)",
      "SIGN_IN_URL             | https://openhands.example.com/_login | RUNTIME_SESSION_SECRET: not set (expected: a value of at least 32 characters while SIGN_IN_URL is set)",
      "RUNTIME_SESSION_SECRET  | too-short | RUNTIME_SESSION_SECRET: a value of 9 characters (expected: at least 32)",
      "RUNTIME_AUTH            | everyone | RUNTIME_AUTH: 'everyone' (expected: owner or none)",
      "ORIGIN_VERIFY           | off      | ORIGIN_VERIFY: 'off' (expected: required or disabled)",
      "APP_UPSTREAM            | app:3000 | APP_UPSTREAM: 'app:3000' (expected: http://host:port)",
      "ORIGIN_VERIFY_SECRET    | short    | ORIGIN_VERIFY_SECRET: a value of 5 characters (expected: at least 16)",
      "SANDBOX_TABLE           | a b      | SANDBOX_TABLE: 'a b' (expected: 3 to 255 letters, digits, '_', '-' or '.')",
      "ADMIN_PORT              | 8080     | ADMIN_PORT: 8080 (expected: a port other than GATEWAY_PORT)",
      "COGNITO_ISSUER          | https://cognito-idp.us-east-1.amazonaws.com/pool | COGNITO_CLIENT_ID: not set (expected: COGNITO_ISSUER and COGNITO_CLIENT_ID set together)"})
  void badValue_failsWithOneLineNamingTheVariable(String name, String value, String message) {
    Map<String, String> env = minimal();
    env.put(name, value);
    assertEquals(message, failure(env));
  }

  @Test
  void drainTimeout_withoutRoomForTheExitAfterTheDelay_isRefusedAtStartUp() {
    Map<String, String> env = minimal();
    env.put("DRAIN_DELAY", "5s");
    env.put("DRAIN_TIMEOUT", "5300ms");
    assertEquals("DRAIN_TIMEOUT: 5300ms (expected: > DRAIN_DELAY + 500ms for the exit itself, 5500ms)", failure(env));
    env.put("DRAIN_TIMEOUT", "5600ms");
    assertEquals(Duration.ofMillis(5100), GatewayConfig.fromEnv(env).drainPlan().exitAt());
  }

  @Test
  void cognitoIssuer_mustBeAUrl() {
    Map<String, String> env = minimal();
    env.put("COGNITO_ISSUER", "cognito-idp.us-east-1.amazonaws.com/us-east-1_abc");
    env.put("COGNITO_CLIENT_ID", "client");
    assertEquals("COGNITO_ISSUER: 'cognito-idp.us-east-1.amazonaws.com/us-east-1_abc' (expected: the user pool's"
        + " issuer URL, https://cognito-idp.<region>.amazonaws.com/<pool id>)", failure(env));
    env.put("COGNITO_ISSUER", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc");
    assertTrue(GatewayConfig.fromEnv(env).verifiesIdTokens());
  }

  @Test
  void missingTable_isNamed() {
    Map<String, String> env = minimal();
    env.remove("SANDBOX_TABLE");
    assertEquals("SANDBOX_TABLE: not set (expected: a value)", failure(env));
  }

  @Test
  void missingSecret_isRequiredUnlessTheCheckIsDisabled() {
    Map<String, String> env = minimal();
    env.remove("ORIGIN_VERIFY_SECRET");
    assertEquals("ORIGIN_VERIFY_SECRET: not set (expected: a value while ORIGIN_VERIFY=required)", failure(env));
    env.put("ORIGIN_VERIFY", "disabled");
    assertFalse(GatewayConfig.fromEnv(env).originVerifyRequired());
  }
}
