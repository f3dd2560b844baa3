package dev.openhands.runtime.gateway.testkit;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What most gateway tests stand on: DynamoDB Local with a registry table, a Vert.x instance for sandboxes
 * and clients, and a recording sandbox. Gateways and further sandboxes made through it are stopped by
 * {@link #close}, in reverse order.
 */
public final class GatewayFixture implements AutoCloseable {

  private final DynamoDbLocal dynamo;
  private final RegistryTable table;
  private final Vertx vertx;
  private final RecordingSandbox sandbox;
  private final List<AutoCloseable> started = new ArrayList<>();

  private GatewayFixture(DynamoDbLocal dynamo, RegistryTable table, Vertx vertx, RecordingSandbox sandbox) {
    this.dynamo = dynamo;
    this.table = table;
    this.vertx = vertx;
    this.sandbox = sandbox;
  }

  /** Starts DynamoDB Local with table {@code tableName}, Vert.x, and one recording sandbox on 127.0.0.1. */
  public static GatewayFixture start(String tableName) throws Exception {
    DynamoDbLocal dynamo = DynamoDbLocal.start();
    RegistryTable table = new RegistryTable(dynamo.client(), tableName).create();
    Vertx vertx = Vertx.vertx();
    RecordingSandbox sandbox = TestClient.await(new RecordingSandbox(vertx).start(0));
    return new GatewayFixture(dynamo, table, vertx, sandbox);
  }

  /** A gateway on this registry with {@code overrides} (see {@link GatewayUnderTest#start}). */
  public GatewayUnderTest gateway(Map<String, String> overrides) throws Exception {
    GatewayUnderTest gateway = GatewayUnderTest.start(dynamo, table.name(), overrides);
    started.add(gateway);
    return gateway;
  }

  /** Another recording sandbox on 127.0.0.1. */
  public RecordingSandbox sandbox() throws Exception {
    return TestClient.await(new RecordingSandbox(vertx).start(0));
  }

  /** A client toward {@code gateway}. */
  public TestClient client(GatewayUnderTest gateway) {
    return new TestClient(vertx, gateway.port());
  }

  /** The host of {@code conversationId}'s app on the fixture's sandbox port. */
  public String runtimeHost(String conversationId) {
    return runtimeHost(sandbox.port(), conversationId);
  }

  /** The host of {@code conversationId}'s app on {@code port}. */
  public static String runtimeHost(int port, String conversationId) {
    return port + "-" + conversationId + ".runtime.openhands.example.com";
  }

  public DynamoDbLocal dynamo() {
    return dynamo;
  }

  public RegistryTable table() {
    return table;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The recording sandbox started with the fixture. */
  public RecordingSandbox recording() {
    return sandbox;
  }

  @Override
  public void close() throws Exception {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
    TestClient.await(vertx.close());
    dynamo.close();
  }
}
