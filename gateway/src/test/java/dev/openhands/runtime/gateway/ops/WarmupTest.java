package dev.openhands.runtime.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gateway warms its request path before its listener opens: every warm-up request is served 200 through the
 * full path under each way of proving who asks, and nothing of it reaches the registry, the route cache, the metrics
 * or the activity records.
 */
@Timeout(120)
class WarmupTest {

  static DynamoDbLocal dynamo;
  static RegistryTable table;

  @BeforeAll
  static void start() throws Exception {
    dynamo = DynamoDbLocal.start();
    table = new RegistryTable(dynamo.client(), "sandboxes-warmup").create();
  }

  @AfterAll
  static void stop() throws Exception {
    dynamo.close();
  }

  /** The three ways a runtime host's request proves its user: none needed, the edge's header, the host's session. */
  @ParameterizedTest
  @ValueSource(strings = {"public", "edge header", "runtime session"})
  void everyWarmupRequest_isServedThroughTheFullPath(String identity) throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("WARMUP_LIMIT", "2s"));
    if (!identity.equals("public")) {
      env.put("RUNTIME_AUTH", "owner");
    }
    if (identity.equals("runtime session")) {
      env.put("SIGN_IN_URL", "https://openhands.example.com/_login");
      env.put("RUNTIME_SESSION_SECRET", "warm-up-test-session-secret-0123456789");
    }
    try (GatewayUnderTest gateway = GatewayUnderTest.start(dynamo, table.name(), env)) {
      WarmupTraffic.Outcome outcome = gateway.gateway().warmup().orElseThrow();
      assertTrue(outcome.requests() > 100, "warm-up sent " + outcome.requests());
      assertEquals(0, outcome.notOk(), "first status not 200: " + outcome.firstNotOkStatus());
      assertLeftNoTrace(gateway);
    }
  }

  @Test
  void withoutALimit_thereIsNoWarmup() throws Exception {
    try (GatewayUnderTest gateway = GatewayUnderTest.start(dynamo, table.name(), Map.of("WARMUP_LIMIT", "0s"))) {
      assertFalse(gateway.gateway().warmup().isPresent());
    }
  }

  private static void assertLeftNoTrace(GatewayUnderTest gateway) {
    String scrape = gateway.gateway().metrics().scrape();
    assertFalse(scrape.contains("route=\"sandbox\""), "warm-up requests counted:\n" + scrape);
    assertEquals(0, gateway.gateway().activity().writes(), "warm-up recorded activity");
    assertEquals(0.0, gateway.gateway().metrics().registry().get("cache.size").tag("cache", "routes").gauge().value(),
        "warm-up route left in the cache");
    assertEquals(0, table.all().size(), "warm-up wrote to the registry");
  }
}
