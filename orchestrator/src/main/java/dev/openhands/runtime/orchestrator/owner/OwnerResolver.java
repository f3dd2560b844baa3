package dev.openhands.runtime.orchestrator.owner;

import dev.openhands.runtime.common.registry.RegistrySchema;
import dev.openhands.runtime.orchestrator.registry.SandboxStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns the owner of a sandbox started without one, from the app's database, and records it (the gateway lets
 * nobody in until then, row 21). After a start it asks at once and then with backoff (1 s doubling to 30 s, for
 * {@link #GIVE_UP_AFTER}); the reconciler asks again for every pending sandbox on each sweep, so a restart or an
 * outage of the database only delays the answer.
 */
public final class OwnerResolver {

  private static final Logger LOG = LoggerFactory.getLogger(OwnerResolver.class);
  static final Duration GIVE_UP_AFTER = Duration.ofMinutes(10);
  private static final long MAX_WAIT_MS = 30_000;

  private final Vertx vertx;
  private final SandboxStore store;
  private final OwnerDirectory directory;
  private final Set<String> resolving = ConcurrentHashMap.newKeySet();

  public OwnerResolver(Vertx vertx, SandboxStore store, OwnerDirectory directory) {
    this.vertx = vertx;
    this.store = store;
    this.directory = directory;
  }

  /** Starts asking for the owner of {@code conversationId} in the background, unless this instance already is. */
  public void resolveSoon(String conversationId) {
    if (resolving.add(conversationId)) {
      attempt(conversationId, 1000, System.nanoTime() + GIVE_UP_AFTER.toNanos());
    }
  }

  /**
   * Asks once and records the owner if the database knows it; completes with whether the owner is now recorded.
   */
  public Future<Boolean> resolveNow(String conversationId) {
    return directory.ownerOf(conversationId).compose(owner -> {
      if (owner.isEmpty() || RegistrySchema.isUnowned(owner.get())) {
        return Future.succeededFuture(false);
      }
      return store.recordOwner(conversationId, owner.get()).map(recorded -> {
        if (recorded) {
          LOG.info("owner of {} recorded from the app's database", conversationId);
        }
        return true;
      });
    });
  }

  private void attempt(String conversationId, long waitMs, long giveUpAtNanos) {
    resolveNow(conversationId).onComplete(ar -> {
      boolean done = ar.succeeded() && ar.result();
      if (ar.failed()) {
        LOG.debug("owner look-up for {} failed: {}", conversationId, ar.cause().toString());
      }
      if (done || System.nanoTime() >= giveUpAtNanos) {
        resolving.remove(conversationId);
        return;
      }
      vertx.setTimer(waitMs, id -> stillPending(conversationId).onComplete(pending -> {
        if (pending.succeeded() && !pending.result()) {
          resolving.remove(conversationId);
        } else {
          attempt(conversationId, Math.min(MAX_WAIT_MS, waitMs * 2), giveUpAtNanos);
        }
      }));
    });
  }

  private Future<Boolean> stillPending(String conversationId) {
    return store.get(conversationId).map(item -> item.isPresent() && item.get().ownerPending());
  }
}
