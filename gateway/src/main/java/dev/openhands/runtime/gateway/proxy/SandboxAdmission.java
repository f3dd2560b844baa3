package dev.openhands.runtime.gateway.proxy;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the exchanges one sandbox has at once (behaviour table row 19): in-flight HTTP requests plus open
 * WebSockets. Admission is increment-compare, and a refusal changes nothing, so one sandbox flooded with
 * requests gets 429 at once, without a queue, and other sandboxes are unaffected. Each admitted exchange
 * is released exactly once, when it ends. Refusals are logged at most once a second.
 */
public final class SandboxAdmission {

  private static final Logger LOG = LoggerFactory.getLogger(SandboxAdmission.class);
  private static final long LOG_INTERVAL_NANOS = 1_000_000_000L;

  private final int maxPerSandbox;
  private final ConcurrentHashMap<String, Integer> active = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

  public SandboxAdmission(int maxPerSandbox) {
    if (maxPerSandbox <= 0) {
      throw new IllegalArgumentException("maxPerSandbox: " + maxPerSandbox + " (expected: > 0)");
    }
    this.maxPerSandbox = maxPerSandbox;
  }

  /** Admits one more exchange for {@code sandbox}, or returns {@code false} when it is at its limit. */
  public boolean tryAcquire(String sandbox) {
    boolean[] admitted = {false};
    active.compute(sandbox, (key, count) -> {
      int current = count == null ? 0 : count;
      if (current >= maxPerSandbox) {
        return count;
      }
      admitted[0] = true;
      return current + 1;
    });
    if (!admitted[0]) {
      onRefused(sandbox);
    }
    return admitted[0];
  }

  /** Ends one admitted exchange. */
  public void release(String sandbox) {
    active.computeIfPresent(sandbox, (key, count) -> count <= 1 ? null : count - 1);
  }

  /** Exchanges running for {@code sandbox} now. */
  public int active(String sandbox) {
    return active.getOrDefault(sandbox, 0);
  }

  /** Exchanges refused since start. */
  public long refused() {
    return refused.get();
  }

  private void onRefused(String sandbox) {
    long total = refused.incrementAndGet();
    long now = System.nanoTime();
    long last = lastLog.get();
    if (now - last >= LOG_INTERVAL_NANOS && lastLog.compareAndSet(last, now)) {
      LOG.warn("sandbox {} is at its limit of {} exchanges; refusing with 429 ({} refused since start)",
          sandbox, maxPerSandbox, total);
    }
  }
}
