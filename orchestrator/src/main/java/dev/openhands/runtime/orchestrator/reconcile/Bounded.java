package dev.openhands.runtime.orchestrator.reconcile;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Runs a step over many items, at most {@code parallel} at a time; a failed item does not stop the others. */
final class Bounded {

  private Bounded() {}

  /** Completes when every item's step has ended; with the number of steps that failed. */
  static <T> Future<Integer> each(List<T> items, int parallel, Function<T, Future<?>> step) {
    return chunk(items, 0, parallel, step, 0);
  }

  private static <T> Future<Integer> chunk(List<T> items, int from, int parallel, Function<T, Future<?>> step,
      int failed) {
    if (from >= items.size()) {
      return Future.succeededFuture(failed);
    }
    List<Future<?>> running = new ArrayList<>();
    for (T item : items.subList(from, Math.min(items.size(), from + parallel))) {
      Future<?> done;
      try {
        done = step.apply(item);
      } catch (RuntimeException e) {
        done = Future.failedFuture(e);
      }
      running.add(done);
    }
    return Future.join(running).transform(ar -> {
      int failures = (int) running.stream().filter(Future::failed).count();
      return chunk(items, from + parallel, parallel, step, failed + failures);
    });
  }
}
