package dev.openhands.runtime.loadtest;

import dev.openhands.runtime.gateway.testkit.DynamoDbLocal;
import dev.openhands.runtime.gateway.testkit.RegistryTable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * DynamoDB Local on 127.0.0.1 holding the registry table, with the sandboxes of a {@link SandboxFarm}
 * registered as running. In its own process, so that a test can take the registry away (kill it) and
 * bring it back (start it again). With a data directory the table survives the restart, as DynamoDB does
 * through an outage; without one it is in memory.
 *
 * <p>Usage: {@code LocalRegistry <dynamodb port> <sandboxes> [maxSeconds] [data directory]}.
 */
public final class LocalRegistry {

  public static final String TABLE = "load-sandboxes";

  private LocalRegistry() {}

  /** Registers the sandboxes of a {@link SandboxFarm} as running. */
  public static void register(RegistryTable table, int sandboxes) {
    for (int i = 0; i < sandboxes; i++) {
      table.put(SandboxFarm.conversation(i), "RUNNING", SandboxFarm.address(i), "");
    }
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
    int port = Integer.parseInt(args[0]);
    int sandboxes = Integer.parseInt(args[1]);
    long maxSeconds = args.length > 2 ? Long.parseLong(args[2]) : 1800;
    java.nio.file.Path dataDir = args.length > 3 ? java.nio.file.Path.of(args[3]) : null;
    DynamoDbLocal dynamo = DynamoDbLocal.start(port, dataDir);
    register(new RegistryTable(dynamo.client(), TABLE).createIfMissing(), sandboxes);
    System.out.println("READY " + port + " " + sandboxes);
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
    stop.await(maxSeconds, TimeUnit.SECONDS);
    dynamo.close();
    System.exit(0);
  }
}
