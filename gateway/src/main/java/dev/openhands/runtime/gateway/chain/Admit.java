package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.proxy.SandboxAdmission;

/**
 * Row 19: an exchange takes one of its sandbox's slots, or is refused at once with 429; the slot is given back when
 * the exchange is over (its response ended, its WebSocket closed, or it failed).
 */
final class Admit {

  private final SandboxAdmission admission;

  Admit(SandboxAdmission admission) {
    this.admission = admission;
  }

  void admit(Exchange exchange) {
    if (!admission.tryAcquire(exchange.sandbox.conversationId())) {
      throw new GatewayFailure(429, "too many connections to this sandbox, retry shortly");
    }
    exchange.holdSlot(admission);
    exchange.proceed();
  }
}
