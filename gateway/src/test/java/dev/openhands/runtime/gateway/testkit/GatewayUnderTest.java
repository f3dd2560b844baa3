package dev.openhands.runtime.gateway.testkit;

import dev.openhands.runtime.gateway.Gateway;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real gateway, in-process, on a free port of 127.0.0.1, reading the registry from DynamoDB Local.
 * Tests give only the settings they care about.
 */
public final class GatewayUnderTest implements AutoCloseable {

  public static final String SECRET = "origin-secret-0123456789";
  public static final String SECOND_SECRET = "origin-secret-rotated-987654";

  private final Gateway gateway;
  private final int port;

  private GatewayUnderTest(Gateway gateway, int port) {
    this.gateway = gateway;
    this.port = port;
  }

  /**
   * Starts a gateway with the origin check on ({@link #SECRET}), runtime hosts public and no warm-up (each test's
   * gateway would otherwise spend seconds warming), plus overrides.
   */
  public static GatewayUnderTest start(DynamoDbLocal dynamo, String table, Map<String, String> overrides)
      throws Exception {
    int port = overrides.containsKey("GATEWAY_PORT") ? Integer.parseInt(overrides.get("GATEWAY_PORT"))
        : DynamoDbLocal.freePort();
    Map<String, String> env = new HashMap<>();
    env.put("BIND_ADDRESS", "127.0.0.1");
    env.put("GATEWAY_PORT", Integer.toString(port));
    env.put("ADMIN_PORT", Integer.toString(DynamoDbLocal.freePort()));
    env.put("SANDBOX_TABLE", table);
    env.put("DYNAMODB_ENDPOINT", dynamo.endpoint().toString());
    env.put("ORIGIN_VERIFY_SECRET", SECRET);
    env.put("RUNTIME_AUTH", "none");
    env.put("WARMUP_LIMIT", "0s");
    env.putAll(overrides);
    GatewayConfig config = GatewayConfig.fromEnv(env);
    Gateway gateway = Gateway.start(config).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new GatewayUnderTest(gateway, port);
  }

  public int port() {
    return port;
  }

  public Gateway gateway() {
    return gateway;
  }

  @Override
  public void close() throws Exception {
    gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
