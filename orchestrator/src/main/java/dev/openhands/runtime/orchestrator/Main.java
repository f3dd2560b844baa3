package dev.openhands.runtime.orchestrator;

import dev.openhands.runtime.common.config.ConfigException;
import dev.openhands.runtime.common.ops.ShutdownSignals;
import dev.openhands.runtime.orchestrator.config.OrchestratorConfig;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the orchestrator from environment variables. A bad setting exits with code 2 and one line naming it; a
 * failure to start exits with 1; SIGTERM (and SIGINT) drain and exit with 0 within {@code DRAIN_TIMEOUT}.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    OrchestratorConfig config;
    try {
      config = OrchestratorConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      System.err.println("orchestrator: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (!config.looksUpOwners()) {
      LOG.warn("OWNER_DB_URL is not set: a sandbox started without USER_ID stays open to nobody (owner pending)");
    }
    Orchestrator orchestrator;
    try {
      orchestrator = Orchestrator.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      System.err.println("orchestrator: cannot start: " + cause.getMessage());
      System.exit(1);
      return;
    }
    LOG.info("orchestrator listening on {}:{} ({})", config.bindAddress(), orchestrator.apiPort(), config);
    ShutdownSignals signals = ShutdownSignals.install(config.drainTimeout().minusMillis(500),
        done -> orchestrator.drain().onComplete(ar -> {
          LOG.info("drained; exiting");
          done.run();
        }), () -> LOG.warn("drain did not finish within {}; exiting", config.drainTimeout()));
    signals.awaitExit();
    System.exit(0);
  }
}
