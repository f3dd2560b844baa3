package dev.openhands.runtime.gateway.security;

import dev.openhands.runtime.gateway.config.RuntimeAuth;
import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.registry.SandboxRoute;

/**
 * Who may open a sandbox (behaviour table row 7). With {@link RuntimeAuth#OWNER}, a sandbox is open only
 * to its owner, and a sandbox nobody owns yet (owner empty or {@code anonymous}) to any signed-in user.
 * With {@link RuntimeAuth#NONE}, runtime addresses are public.
 */
public final class Ownership {

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
   * @throws GatewayFailure 403 when the user may not open the sandbox
   */
  public void check(SandboxRoute.Running route, String userId) {
    if (mode == RuntimeAuth.NONE) {
      return;
    }
    if (userId == null || userId.isEmpty()) {
      throw new GatewayFailure(403, "sign in to open this sandbox");
    }
    if (!route.unowned() && !route.ownerId().equals(userId)) {
      throw new GatewayFailure(403, "this sandbox belongs to another user");
    }
  }
}
