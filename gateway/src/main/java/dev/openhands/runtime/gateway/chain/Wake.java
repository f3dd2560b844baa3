package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.common.registry.SandboxStatus;
import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.failure.SandboxStarting;
import dev.openhands.runtime.gateway.proxy.WebSocketProxy;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import dev.openhands.runtime.gateway.wake.SandboxWaker;
import java.util.Locale;

/**
 * Row 20, after the access check (so nobody who may not open the port wakes it): a running sandbox goes on; a
 * {@code PAUSED}, {@code STOPPED} or {@code ERROR} one is woken, with one resume call per conversation per
 * {@code WAKE_COOLDOWN}, and the request gets the starting answer; {@code STARTING} gets it without a call;
 * {@code ARCHIVED} is 410. Without {@code ORCHESTRATOR_URL}, a sandbox that does not run is 409 (row 5).
 */
final class Wake {

  /** Seconds a client waits before asking again after a refused resume. */
  private static final int REFUSED_RETRY_SECONDS = 5;

  private final SandboxWaker waker;
  private final Routes routes;

  /** @param waker the orchestrator's resume calls, or {@code null} without ORCHESTRATOR_URL */
  Wake(SandboxWaker waker, Routes routes) {
    this.waker = waker;
    this.routes = routes;
  }

  void wakeIfAsleep(Exchange exchange) {
    if (exchange.known instanceof SandboxRoute.Running running) {
      exchange.target = running;
      exchange.proceed();
      return;
    }
    SandboxRoute.NotRunning asleep = (SandboxRoute.NotRunning) exchange.known;
    SandboxWaker.Wake wake = waker == null ? null : waker.recent(exchange.sandbox.conversationId());
    if (wake != null && wake.outcome().getNow(null) instanceof SandboxWaker.Outcome.Running) {
      // The orchestrator says it runs, and the cached route is older than that: read it again, once.
      routes.forget(exchange, asleep);
      routes.read(exchange, fresh -> {
        if (!(fresh instanceof SandboxRoute.Running running)) {
          throw new SandboxStarting("the sandbox is starting", wake.waitedSeconds(System.nanoTime()));
        }
        exchange.target = running;
        exchange.proceed();
      });
      return;
    }
    throw answerFor(exchange, asleep);
  }

  /** The answer for a sandbox that does not run, after waking it when it sleeps. */
  GatewayFailure answerFor(Exchange exchange, SandboxRoute.NotRunning asleep) {
    SandboxStatus status = asleep.parsed().orElse(null);
    if (status == SandboxStatus.ARCHIVED) {
      return new GatewayFailure(410, "this sandbox was archived and its files removed; its conversation stays"
          + " readable in OpenHands");
    }
    boolean wakeable = status != null && status.resumable();
    boolean underWay = status == SandboxStatus.STARTING || status == SandboxStatus.RUNNING;
    if (waker == null || !wakeable && !underWay) {
      return new GatewayFailure(409, "the sandbox is " + asleep.status().toLowerCase(Locale.ROOT) + ", not running");
    }
    String id = exchange.sandbox.conversationId();
    SandboxWaker.Wake wake = wakeable ? waker.wake(id) : waker.recent(id);
    if (wake == null) {
      return new SandboxStarting("the sandbox is starting", -1);
    }
    if (wake.outcome().getNow(null) instanceof SandboxWaker.Outcome.Refused refused && !underWay) {
      return new GatewayFailure(503, "the sandbox could not be woken: " + refused.why(), REFUSED_RETRY_SECONDS);
    }
    String detail = WebSocketProxy.isUpgrade(exchange.request) ? "the sandbox is starting, connect again shortly"
        : wakeable && wake.waitedSeconds(System.nanoTime()) == 0 ? "the sandbox was asleep and is waking up"
        : "the sandbox is starting";
    return new SandboxStarting(detail, wake.waitedSeconds(System.nanoTime()));
  }
}
