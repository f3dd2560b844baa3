package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import dev.openhands.runtime.gateway.security.Ownership;

/**
 * Rows 7, 21, 22 and 23: whether the user asking may open the port. A pending owner lets nobody in; the owner, and
 * whoever the port's share admits, go on; nobody signed in is sent to sign in; anyone else is refused.
 */
final class Access {

  private final Ownership ownership;
  private final SignIn signIn;

  Access(Ownership ownership, SignIn signIn) {
    this.ownership = ownership;
    this.signIn = signIn;
  }

  void check(Exchange exchange) {
    Ownership.Grant grant = ownership.check(exchange.known, exchange.sandbox, exchange.userId);
    if (grant == Ownership.Grant.SIGN_IN) {
      signIn.required(exchange);
      return;
    }
    exchange.visitor = grant == Ownership.Grant.VISITOR;
    exchange.proceed();
  }

  /** The same check for the route of a task that moved (row 9): throws when this user may not open it now. */
  void recheck(Exchange exchange, SandboxRoute.Known moved) {
    Ownership.Grant before = exchange.visitor ? Ownership.Grant.VISITOR : Ownership.Grant.OWNER;
    if (ownership.check(moved, exchange.sandbox, exchange.userId) != before) {
      throw new GatewayFailure(403, "this sandbox belongs to another user");
    }
  }
}
