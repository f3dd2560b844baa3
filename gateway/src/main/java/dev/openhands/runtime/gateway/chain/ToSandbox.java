package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.ops.GatewayMetrics;
import dev.openhands.runtime.gateway.proxy.ForwardedHeaders;
import dev.openhands.runtime.gateway.proxy.HttpForwarder;
import dev.openhands.runtime.gateway.proxy.Upstream;
import dev.openhands.runtime.gateway.proxy.UpstreamConnectFailed;
import dev.openhands.runtime.gateway.proxy.WebSocketProxy;
import dev.openhands.runtime.gateway.registry.ActivityRecorder;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import io.vertx.core.Future;
import io.vertx.core.http.impl.headers.HeadersMultiMap;

/**
 * Rows 8 to 13 and 17: the exchange goes to the sandbox (HTTP or WebSocket) with the header rules of row 13, and its
 * activity is noted. Row 9: when the cached address refuses the connection, the task may have moved, so the route
 * is read once more and, on a new address, tried again; nothing was sent, so the retry is safe.
 */
final class ToSandbox {

  private final ForwardedHeaders forwardedHeaders;
  private final HttpForwarder http;
  private final WebSocketProxy webSocket;
  private final ActivityRecorder activity;
  private final Routes routes;
  private final Access access;
  private final Wake wake;
  private final Identity identity;
  private final GatewayMetrics metrics;

  ToSandbox(ForwardedHeaders forwardedHeaders, HttpForwarder http, WebSocketProxy webSocket, ActivityRecorder activity,
      Routes routes, Access access, Wake wake, Identity identity, GatewayMetrics metrics) {
    this.forwardedHeaders = forwardedHeaders;
    this.http = http;
    this.webSocket = webSocket;
    this.activity = activity;
    this.routes = routes;
    this.access = access;
    this.wake = wake;
    this.identity = identity;
    this.metrics = metrics;
  }

  void forward(Exchange exchange) {
    send(exchange, exchange.target).onComplete(ar -> {
      if (ar.cause() instanceof UpstreamConnectFailed) {
        retryOnMovedTask(exchange, exchange.target);
      } else {
        finish(exchange, ar.cause());
      }
    });
  }

  /** The exchange is over: its slot goes back, and a failure ({@code null}: none) is answered. */
  private static void finish(Exchange exchange, Throwable failure) {
    if (failure == null) {
      exchange.releaseSlot();
    } else {
      exchange.fail(failure);
    }
  }

  private void retryOnMovedTask(Exchange exchange, SandboxRoute.Running stale) {
    metrics.connectFailure("sandbox");
    routes.forget(exchange, stale);
    routes.read(exchange, fresh -> {
      access.recheck(exchange, fresh);
      if (!(fresh instanceof SandboxRoute.Running running)) {
        exchange.fail(wake.answerFor(exchange, (SandboxRoute.NotRunning) fresh));
        return;
      }
      if (running.taskIp().equals(stale.taskIp())) {
        exchange.fail(new UpstreamConnectFailed(stale.taskIp() + ":" + exchange.sandbox.port(),
            new IllegalStateException("connection refused")));
        return;
      }
      exchange.target = running;
      send(exchange, running).onComplete(ar -> finish(exchange, ar.cause()));
    });
  }

  private Future<Void> send(Exchange exchange, SandboxRoute.Running route) {
    Upstream upstream = new Upstream(route.taskIp(), exchange.sandbox.port(), exchange.sandbox.upstreamUri(), true);
    String conversationId = exchange.sandbox.conversationId();
    activity.touch(conversationId);
    boolean upgrade = WebSocketProxy.isUpgrade(exchange.request);
    HeadersMultiMap headers = upgrade
        ? forwardedHeaders.forWebSocket(exchange.request.headers(), exchange.facts(), upstream)
        : forwardedHeaders.forRequest(exchange.request.headers(), exchange.facts(), upstream);
    if (exchange.visitor) {
      // A visitor through a share is not named to code the agent wrote (row 22).
      Identity.removeIdentityHeaders(headers);
    } else if (identity.vouchesFor(exchange)) {
      // The sandbox learns the verified subject, never a header's claim.
      headers.remove(Identity.USER_HEADER);
      if (exchange.userId != null) {
        headers.set(Identity.USER_HEADER, exchange.userId);
      }
    }
    if (upgrade) {
      return webSocket.proxy(exchange.request, upstream, headers, () -> activity.touch(conversationId))
          .map(relay -> {
            if (relay != null) {
              // The slot stays taken while the WebSocket is open; the exchange itself is over.
              Runnable release = exchange.handOverSlot();
              relay.done().onComplete(closed -> release.run());
            }
            return null;
          });
    }
    return http.forward(exchange.request, upstream, headers);
  }
}
