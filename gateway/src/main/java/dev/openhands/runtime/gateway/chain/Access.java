package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.registry.SandboxRoute;
import dev.openhands.runtime.gateway.security.Ownership;

/**
 * Row 7, second half, with rows 21 and 23: whether the user asking may open the sandbox. A pending owner lets
 * nobody in; nobody signed in is sent to sign in; anyone else must own it (or it is unowned).
 */
final class Access {

  private final Ownership ownership;
  private final SignIn signIn;

  Access(Ownership ownership, SignIn signIn) {
    this.ownership = ownership;
    this.signIn = signIn;
  }

  void check(Exchange exchange) {
    if (needsSignIn(exchange.target, exchange.userId)) {
      signIn.required(exchange);
      return;
    }
    ownership.check(exchange.target, exchange.userId);
    exchange.proceed();
  }

  /** The same check for the route of a task that moved (row 9): throws when this user may not open it. */
  void recheck(Exchange exchange, SandboxRoute.Running moved) {
    ownership.check(moved, exchange.userId);
  }

  private boolean needsSignIn(SandboxRoute.Running route, String userId) {
    return ownership.required() && !route.ownerPending() && (userId == null || userId.isEmpty());
  }
}
