package dev.openhands.runtime.gateway.testkit;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * DynamoDB Local, in-process and in memory, listening on 127.0.0.1 only. DynamoDB Local has no option
 * for the bind address, so its Jetty connector is told before start.
 */
public final class DynamoDbLocal implements AutoCloseable {

  private final DynamoDBProxyServer server;
  private final int port;
  private final DynamoDbAsyncClient client;
  private boolean running;

  private DynamoDbLocal(int port, java.nio.file.Path dataDir) throws Exception {
    this.port = port;
    String[] storage = dataDir == null
        ? new String[] {"-inMemory"}
        : new String[] {"-sharedDb", "-dbPath", dataDir.toString()};
    String[] args = new String[storage.length + 3];
    System.arraycopy(storage, 0, args, 0, storage.length);
    args[storage.length] = "-port";
    args[storage.length + 1] = String.valueOf(port);
    args[storage.length + 2] = "-disableTelemetry";
    this.server = ServerRunner.createServerFromCommandLineArgs(args);
    bindToLoopback(server);
    this.client = DynamoDbAsyncClient.builder()
        .endpointOverride(endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder())
        .build();
  }

  /** Starts DynamoDB Local on a free loopback port. */
  public static DynamoDbLocal start() throws Exception {
    return start(freePort());
  }

  /** Starts DynamoDB Local on {@code port} of 127.0.0.1, in memory. */
  public static DynamoDbLocal start(int port) throws Exception {
    return start(port, null);
  }

  /**
   * Starts DynamoDB Local on {@code port} of 127.0.0.1, keeping its data in {@code dataDir} (so that a
   * restart keeps the tables), or in memory when {@code dataDir} is {@code null}.
   */
  public static DynamoDbLocal start(int port, java.nio.file.Path dataDir) throws Exception {
    DynamoDbLocal local = new DynamoDbLocal(port, dataDir);
    local.server.start();
    local.running = true;
    return local;
  }

  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public int port() {
    return port;
  }

  /** A client for setting up and inspecting tables (not the gateway's own client). */
  public DynamoDbAsyncClient client() {
    return client;
  }

  @Override
  public void close() throws Exception {
    client.close();
    if (running) {
      running = false;
      server.stop();
    }
  }

  private static void bindToLoopback(DynamoDBProxyServer proxy) throws ReflectiveOperationException {
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server jetty = (Server) field.get(proxy);
    for (Connector connector : jetty.getConnectors()) {
      ((ServerConnector) connector).setHost("127.0.0.1");
    }
  }

  /** The ports {@link #freePort()} handed out in this JVM. */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * A port that was free on 127.0.0.1 a moment ago and that no earlier call in this JVM handed out: the kernel may
   * give the same ephemeral port to two binds in a row once the first socket is closed, and two settings of one
   * process (its API and admin ports, say) must not get the same one.
   */
  public static int freePort() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
        socket.setReuseAddress(true);
        if (HANDED_OUT.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      }
    }
    throw new IOException("no loopback port that was not handed out already, in 100 binds");
  }
}
