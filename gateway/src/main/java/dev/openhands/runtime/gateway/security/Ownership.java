package dev.openhands.runtime.gateway.security;

import dev.openhands.runtime.gateway.config.RuntimeAuth;
import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.registry.SandboxRoute;

/**
 * Who may open a sandbox (behaviour table row 7). With {@link RuntimeAuth#OWNER}, a sandbox is open only
 * to its owner, and a sandbox nobody owns yet (owner empty or {@code anonymous}) to any signed-in user.
 * A sandbox whose owner the orchestrator has not recorded yet is open to nobody (row 21), checked first.
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

  /** Seconds a client is asked to wait while the owner is pending (the orchestrator retries its look-up). */
  public static final int OWNER_PENDING_RETRY_SECONDS = 2;

  /**
   * @param userId the signed-in user, or {@code null} when the request carries no trusted identity
   * @throws GatewayFailure 503 while the owner is pending, 403 when the user may not open the sandbox
   */
  public void check(SandboxRoute.Running route, String userId) {
    if (mode == RuntimeAuth.NONE) {
      return;
    }
    if (route.ownerPending()) {
      throw new GatewayFailure(503, "the sandbox is starting: its owner is not recorded yet",
          OWNER_PENDING_RETRY_SECONDS);
    }
    if (userId == null || userId.isEmpty()) {
      throw new GatewayFailure(403, "sign in to open this sandbox");
    }
    if (!route.unowned() && !route.ownerId().equals(userId)) {
      throw new GatewayFailure(403, "this sandbox belongs to another user");
    }
  }
}
