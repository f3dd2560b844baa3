package dev.openhands.runtime.gateway;

import dev.openhands.runtime.common.config.ConfigException;
import dev.openhands.runtime.common.ops.ShutdownSignals;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.ops.DrainPlan;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the gateway from environment variables. A bad setting exits with code 2 and one line naming it;
 * a failure to start exits with 1; SIGTERM (and SIGINT) drain as {@link DrainPlan} says and exit with 0.
 * With {@value #WARM_UP_ONLY} it starts (warming its request path, as on every start), then stops and exits with
 * 0: the container image's training run, whose JVM writes the AOT cache as it exits.
 */
public final class Main {

  static final String WARM_UP_ONLY = "--warm-up-only";
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
    if (List.of(args).contains(WARM_UP_ONLY)) {
      gateway.stop().toCompletionStage().toCompletableFuture().join();
      LOG.info("{}: warmed up and stopped; exiting", WARM_UP_ONLY);
      System.exit(0);
    }
    DrainPlan plan = config.drainPlan();
    ShutdownSignals signals = ShutdownSignals.install(plan.exitAt(), done -> gateway.drain(plan).onComplete(ar -> {
      LOG.info("drained; exiting");
      done.run();
    }), () -> LOG.warn("drain did not finish within {}; exiting", plan.timeout()));
    signals.awaitExit();
    System.exit(0);
  }
}
