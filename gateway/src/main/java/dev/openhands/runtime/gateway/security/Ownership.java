package dev.openhands.runtime.gateway.security;

import dev.openhands.runtime.gateway.config.RuntimeAuth;
import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.failure.SandboxStarting;
import dev.openhands.runtime.gateway.registry.PortShare;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import dev.openhands.runtime.gateway.routing.RuntimeAddress;

/**
 * Who may open a sandbox's port (behaviour table rows 7, 21 and 22). With {@link RuntimeAuth#OWNER}: nobody while
 * the owner is pending; the owner (any signed-in user when nobody owns it yet, owner empty or {@code anonymous});
 * and on the host form, whoever the port's share admits. The path form lives on the app's own origin and is never
 * shared. With {@link RuntimeAuth#NONE}, runtime addresses are public.
 */
public final class Ownership {

  /** How a request may open the port. */
  public enum Grant {
    /** As its owner (or with runtime addresses public): the sandbox may be told who asks. */
    OWNER,
    /** Through the owner's share: the sandbox is not told who the visitor is. */
    VISITOR,
    /** Nobody signed in, and the port is not public: sign in first (row 23). */
    SIGN_IN
  }

  private final RuntimeAuth mode;

  public Ownership(RuntimeAuth mode) {
    this.mode = mode;
  }

  /** Whether the requester's identity matters at all. */
  public boolean required() {
    return mode == RuntimeAuth.OWNER;
  }

  /**
   * @param userId the signed-in user, or {@code null} when the request carries no trusted identity
   * @throws GatewayFailure 503 while the owner is pending, 403 when this user may not open the port
   */
  public Grant check(SandboxRoute.Known route, RuntimeAddress address, String userId) {
    if (mode == RuntimeAuth.NONE) {
      return Grant.OWNER;
    }
    if (route.ownerPending()) {
      throw new SandboxStarting("the sandbox is starting: its owner is not recorded yet", -1);
    }
    boolean signedIn = userId != null && !userId.isEmpty();
    if (signedIn && (route.unowned() || route.ownerId().equals(userId))) {
      return Grant.OWNER;
    }
    PortShare share = address.hostForm() ? route.shares().get(address.port()) : null;
    if (share != null && share.admits(userId)) {
      return Grant.VISITOR;
    }
    if (!signedIn) {
      return Grant.SIGN_IN;
    }
    throw new GatewayFailure(403, "this sandbox belongs to another user");
  }
}
