package dev.openhands.runtime.gateway;

import dev.openhands.runtime.common.config.ConfigException;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.ops.DrainPlan;
import dev.openhands.runtime.common.ops.ShutdownSignals;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the gateway from environment variables. A bad setting exits with code 2 and one line naming it;
 * a failure to start exits with 1; SIGTERM (and SIGINT) drain as {@link DrainPlan} says and exit with 0.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    GatewayConfig config;
    try {
      config = GatewayConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      System.err.println("gateway: bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (!config.originVerifyRequired()) {
      LOG.warn("ORIGIN_VERIFY=disabled: requests are accepted without the CDN's origin header; use only locally");
    }
    Gateway gateway;
    try {
      gateway = Gateway.start(config).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      System.err.println("gateway: cannot start: " + cause.getMessage());
      System.exit(1);
      return;
    }
    LOG.info("gateway listening on {}:{} with the {} transport ({})", config.bindAddress(), config.gatewayPort(),
        gateway.transport(), config);
    DrainPlan plan = config.drainPlan();
    ShutdownSignals signals = ShutdownSignals.install(plan.exitAt(), done -> gateway.drain(plan).onComplete(ar -> {
      LOG.info("drained; exiting");
      done.run();
    }), () -> LOG.warn("drain did not finish within {}; exiting", plan.timeout()));
    signals.awaitExit();
    System.exit(0);
  }
}
