package dev.openhands.runtime.common.ops;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import sun.misc.Signal;

/**
 * SIGTERM (an ECS stop) and SIGINT (Ctrl-C) as one drain: the first signal starts {@code drain}, later ones are
 * ignored, and {@link #awaitExit()} returns when the drain reports it is done or {@code deadline} after the signal,
 * whichever comes first, so that a service always exits 0 within its stop timeout (not the JVM's 143).
 */
public final class ShutdownSignals {

  private final CountDownLatch exit = new CountDownLatch(1);
  private final AtomicBoolean signalled = new AtomicBoolean();

  private ShutdownSignals() {}

  /**
   * Handles TERM and INT from now on.
   *
   * @param deadline the longest the drain may take, counted from the signal
   * @param drain started on the first signal with a callback to run when it is done
   * @param overdue told when the deadline passed before the drain reported done
   */
  public static ShutdownSignals install(Duration deadline, Consumer<Runnable> drain, Runnable overdue) {
    ShutdownSignals signals = new ShutdownSignals();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> signals.onSignal(deadline, drain, overdue));
    }
    return signals;
  }

  private void onSignal(Duration deadline, Consumer<Runnable> drain, Runnable overdue) {
    if (!signalled.compareAndSet(false, true)) {
      return;
    }
    Thread timer = new Thread(() -> {
      try {
        Thread.sleep(deadline.toMillis());
        overdue.run();
        exit.countDown();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "drain-deadline");
    timer.setDaemon(true);
    timer.start();
    drain.accept(exit::countDown);
  }

  /** Blocks until the drain is done or overdue. */
  public void awaitExit() throws InterruptedException {
    exit.await();
  }
}
