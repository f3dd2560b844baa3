package dev.openhands.runtime.orchestrator.aws;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/** AWS SDK calls as Vert.x futures that complete on the orchestrator's context, with the SDK's own exception. */
public final class AwsFutures {

  private AwsFutures() {}

  /** Starts {@code call} and completes on {@code context}; a call that throws before it starts fails the future. */
  public static <T> Future<T> on(Context context, Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> started;
    try {
      started = call.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return Future.fromCompletionStage(started, context).recover(err -> Future.failedFuture(unwrap(err)));
  }

  /** The SDK's exception inside a {@link CompletionException}. */
  public static Throwable unwrap(Throwable err) {
    Throwable cause = err;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
