package dev.openhands.runtime.gateway;

import dev.openhands.runtime.gateway.config.ConfigException;
import dev.openhands.runtime.gateway.config.GatewayConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts the gateway from environment variables; a bad setting exits with code 2 and one line naming it. */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) {
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
    Gateway.start(config)
        .onSuccess(gateway -> LOG.info("gateway listening on {}:{} ({})", config.bindAddress(), config.gatewayPort(),
            config))
        .onFailure(err -> {
          System.err.println("gateway: cannot start: " + err.getMessage());
          System.exit(1);
        });
  }
}
