package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.failure.ErrorResponses;
import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.ops.GatewayMetrics;
import dev.openhands.runtime.gateway.proxy.ConnectFailureAnswer;
import dev.openhands.runtime.gateway.proxy.UpstreamConnectFailed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a failed exchange is answered. Whatever failed, the answer goes through
 * {@link Exchange#answer()}, so a runtime address's answer carries the security headers of row 12.
 */
final class Answers {

  private static final Logger LOG = LoggerFactory.getLogger(Answers.class);

  private final GatewayMetrics metrics;

  Answers(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  void fail(Exchange exchange, Throwable err) {
    if (exchange.request.response().headWritten() || exchange.request.response().closed()) {
      LOG.debug("failed after the response began: {}", err.toString());
      return;
    }
    if (err instanceof UpstreamConnectFailed) {
      unreachable(exchange, err);
      return;
    }
    if (!(err instanceof GatewayFailure)) {
      LOG.warn("request failed: {}", err.toString());
    }
    GatewayFailure failure = err instanceof GatewayFailure known ? known
        : new GatewayFailure(502, "the upstream failed");
    exchange.answer();
    ErrorResponses.send(exchange.request, failure);
  }

  /** Row 8 for a sandbox's port, and the app's own 502: nothing accepted the connection. */
  private void unreachable(Exchange exchange, Throwable err) {
    boolean sandbox = exchange.sandbox != null;
    metrics.connectFailure(sandbox ? "sandbox" : "app");
    LOG.debug("upstream unreachable: {}", err.getMessage());
    if (!sandbox) {
      exchange.answer();
      ErrorResponses.send(exchange.request, new GatewayFailure(502, "the app is not reachable"));
    } else if (ConnectFailureAnswer.isCorsProbe(exchange.request.headers())) {
      exchange.answer().setStatusCode(204).putHeader("Cache-Control", "no-store").end();
    } else {
      exchange.answer();
      ErrorResponses.send(exchange.request,
          new GatewayFailure(502, "the app in the sandbox is not accepting connections on this port"));
    }
  }
}
