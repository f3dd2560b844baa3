package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.proxy.RequestFacts;
import dev.openhands.runtime.gateway.proxy.SandboxAdmission;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import dev.openhands.runtime.gateway.routing.AddressParse;
import dev.openhands.runtime.gateway.routing.RuntimeAddress;
import dev.openhands.runtime.gateway.security.SecurityHeaders;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One request on its way through the steps: what the steps have learned about it, and where it is in its chain.
 * Lives on the event loop of its connection; every step and callback runs there.
 */
public final class Exchange {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

  final HttpServerRequest request;
  final long startedNanos;
  private final Context context;
  private final Answers answers;
  private Step[] steps;
  private int next;
  private boolean resumed;

  /** The label of the metrics and the access log: health, sandbox, sign-in, app, or gateway. */
  String route = "gateway";
  String host;
  /** The request target in origin form (path and query). */
  String uri;
  AddressParse address;
  /** The sandbox address, once the request is known to go to one. */
  RuntimeAddress sandbox;
  /** Whether the gateway's own answers carry the runtime security headers (row 12): a runtime address was asked. */
  boolean runtimeAnswer;
  boolean originVerified;
  String requestId;
  /** The verified user asking, or {@code null} (nobody signed in, or not asked). */
  String userId;
  /** What the registry says about the sandbox, once read. */
  SandboxRoute.Known known;
  /** The running sandbox the exchange goes to, once it is known to run. */
  SandboxRoute.Running target;
  /** Whether the user opens the port through its owner's share (row 22): the sandbox is not told who asks. */
  boolean visitor;
  private SandboxAdmission admission;
  private String peerAddress;

  Exchange(HttpServerRequest request, Context context, Answers answers, long startedNanos) {
    this.request = request;
    this.context = context;
    this.answers = answers;
    this.startedNanos = startedNanos;
  }

  public HttpServerRequest request() {
    return request;
  }

  /** Runs {@code chain} from its first step. */
  void continueWith(Step[] chain) {
    this.steps = chain;
    this.next = 0;
    proceed();
  }

  /** Runs the next step; a failure it throws is answered. */
  public void proceed() {
    Step step = steps[next++];
    try {
      step.run(this);
    } catch (RuntimeException failure) {
      fail(failure);
    }
  }

  /** Answers the exchange with {@code failure}, rendered once by {@link Answers}. */
  public void fail(Throwable failure) {
    releaseSlot();
    answers.fail(this, failure);
  }

  /**
   * Runs {@code then} with the value of {@code future}: at once when it is already complete (a cache hit), else
   * on this exchange's event loop when it completes. A failure is answered with {@code ifFailed}'s failure.
   */
  <T> void await(CompletableFuture<T> future, Supplier<GatewayFailure> ifFailed, Consumer<T> then) {
    if (future.isDone() && !future.isCompletedExceptionally()) {
      then.accept(future.getNow(null));
      return;
    }
    await(Future.fromCompletionStage(future, context), ifFailed, then);
  }

  /** As {@link #await(CompletableFuture, Supplier, Consumer)}, for a Vert.x future (any event loop's). */
  <T> void await(Future<T> future, Supplier<GatewayFailure> ifFailed, Consumer<T> then) {
    if (future.isComplete()) {
      settle(future, ifFailed, then);
      return;
    }
    future.onComplete(ar -> {
      if (Vertx.currentContext() == context) {
        settle(future, ifFailed, then);
      } else {
        context.runOnContext(v -> settle(future, ifFailed, then));
      }
    });
  }

  private <T> void settle(Future<T> future, Supplier<GatewayFailure> ifFailed, Consumer<T> then) {
    if (future.failed()) {
      fail(future.cause() instanceof GatewayFailure known ? known : ifFailed.get());
      return;
    }
    try {
      then.accept(future.result());
    } catch (RuntimeException failure) {
      fail(failure);
    }
  }

  /**
   * The response, for an answer the gateway gives itself: the request body flows again (it was paused for the
   * steps), and on a runtime address the security headers of row 12 are already there.
   */
  public HttpServerResponse answer() {
    resume();
    HttpServerResponse response = request.response();
    if (runtimeAnswer) {
      SecurityHeaders.addMissing(response.headers());
    }
    return response;
  }

  void resume() {
    if (!resumed) {
      resumed = true;
      request.resume();
    }
  }

  /** What the forwarders need to know about the request. */
  RequestFacts facts() {
    return new RequestFacts(requestId(), originVerified, peerAddress(), request.scheme(), host);
  }

  /** 32 random hexadecimal digits, made once per exchange. */
  String requestId() {
    if (requestId == null) {
      ThreadLocalRandom random = ThreadLocalRandom.current();
      byte[] digits = new byte[32];
      hex(random.nextLong(), digits, 0);
      hex(random.nextLong(), digits, 16);
      requestId = new String(digits, StandardCharsets.ISO_8859_1);
    }
    return requestId;
  }

  private static void hex(long value, byte[] into, int at) {
    for (int i = 15; i >= 0; i--, value >>>= 4) {
      into[at + i] = HEX[(int) (value & 0xf)];
    }
  }

  /** The client's address as text, read once per exchange. */
  String peerAddress() {
    if (peerAddress == null) {
      peerAddress = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    }
    return peerAddress;
  }

  /** Row 19: this exchange holds one of its sandbox's slots until {@link #releaseSlot()}. */
  void holdSlot(SandboxAdmission admission) {
    this.admission = admission;
  }

  /**
   * Hands the sandbox's slot to what outlives this exchange (a relayed WebSocket): the action returned gives it
   * back and holds nothing of the exchange, so that an open WebSocket keeps no request reachable.
   */
  Runnable handOverSlot() {
    SandboxAdmission held = admission;
    admission = null;
    if (held == null) {
      return () -> { };
    }
    String conversationId = sandbox.conversationId();
    return () -> held.release(conversationId);
  }

  /** Gives the sandbox's slot back, once. */
  void releaseSlot() {
    if (admission != null) {
      admission.release(sandbox.conversationId());
      admission = null;
    }
  }
}
