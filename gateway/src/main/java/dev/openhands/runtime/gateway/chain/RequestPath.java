package dev.openhands.runtime.gateway.chain;

import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.console.Console;
import dev.openhands.runtime.gateway.ops.AccessLog;
import dev.openhands.runtime.gateway.ops.GatewayMetrics;
import dev.openhands.runtime.gateway.ops.HealthCheck;
import dev.openhands.runtime.gateway.proxy.ForwardedHeaders;
import dev.openhands.runtime.gateway.proxy.HttpForwarder;
import dev.openhands.runtime.gateway.proxy.SandboxAdmission;
import dev.openhands.runtime.gateway.proxy.WebSocketProxy;
import dev.openhands.runtime.gateway.registry.ActivityRecorder;
import dev.openhands.runtime.gateway.registry.RouteCache;
import dev.openhands.runtime.gateway.security.IdTokenVerifier;
import dev.openhands.runtime.gateway.security.OriginVerifier;
import dev.openhands.runtime.gateway.security.Ownership;
import dev.openhands.runtime.gateway.security.RuntimeHandshake;
import dev.openhands.runtime.gateway.wake.SandboxWaker;
import io.netty.util.AsciiString;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashSet;
import java.util.Set;

/**
 * The request path of one listener: every request walks the steps below, in the order of the behaviour table, over
 * one {@link Exchange}. Steps run synchronously while they have what they need (a cached route, a remembered
 * session), so a cache hit costs no future and no hop.
 */
public final class RequestPath implements Handler<HttpServerRequest> {

  /** What every listener shares: the caches, the limits, the verifiers and the records. */
  public record Shared(GatewayConfig config, HealthCheck health, RouteCache routes, ActivityRecorder activity,
      SandboxAdmission admission, IdTokenVerifier idTokens, RuntimeHandshake handshake, SandboxWaker waker,
      Console console, GatewayMetrics metrics, AccessLog accessLog) {}

  /** The trace id header's name, as an AsciiString: a header map hashes it once, not per lookup. */
  private static final AsciiString TRACE_ID = AsciiString.cached("X-Amzn-Trace-Id");

  private final Context context;
  private final Answers answers;
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final Step[] frontDoor;

  /**
   * @param context the listener's event loop, where its requests and their upstream exchanges run
   * @param http the listener's own HTTP forwarder
   * @param webSocket the listener's own WebSocket relay
   */
  public RequestPath(Context context, Shared shared, HttpForwarder http, WebSocketProxy webSocket) {
    GatewayConfig config = shared.config();
    this.context = context;
    this.metrics = shared.metrics();
    this.accessLog = shared.accessLog();
    this.answers = new Answers(metrics);
    Set<String> strip = new HashSet<>(config.stripCookies());
    strip.addAll(RuntimeHandshake.cookies());
    ForwardedHeaders forwardedHeaders = new ForwardedHeaders(strip);
    Ownership ownership = new Ownership(config.runtimeAuth());

    FrontDoor front = new FrontDoor(shared.health(),
        new OriginVerifier(config.originVerifySecrets(), config.originVerifyRequired()), shared.handshake());
    SignIn signIn = new SignIn(shared.handshake());
    Identity identity = new Identity(ownership, shared.idTokens(), shared.handshake(), config.demoUser());
    Routes routes = new Routes(shared.routes());
    Access access = new Access(ownership, signIn);
    Wake wake = new Wake(shared.waker(), routes);
    Admit admit = new Admit(shared.admission());
    ToSandbox toSandbox = new ToSandbox(forwardedHeaders, http, webSocket, shared.activity(), routes, access, wake,
        identity, metrics);
    ToApp toApp = new ToApp(config.appUpstream(), forwardedHeaders, http, webSocket);
    ToConsole toConsole = new ToConsole(shared.console(), shared.handshake(), config.signInUrl(), config.demoUser());

    this.frontDoor = new Step[] {
        front::readAddress,            // rows 3, 4: where it goes
        front::answerHealth,           // row 1
        front::verifyOrigin,           // row 2
        front::dispatch,               // row 4's refusal, then one of the chains below
    };
    front.leadTo(
        new Step[] {
            signIn::acceptProof,       // row 23's handshake lands on a runtime host
            identity::ofSandboxRequest, // row 7: who asks
            routes::resolve,           // rows 5, 6, 16: what the registry says
            access::check,             // rows 21, 7, 22, 23
            wake::wakeIfAsleep,        // row 20 (and row 5's 409 without an orchestrator)
            admit::admit,              // row 19
            toSandbox::forward,        // rows 8-13, 9, 17
        },
        new Step[] {
            identity::ofMainHostRequest, // the runtime hosts' sign-in URL on the main host
            signIn::offerProof,
        },
        new Step[] {
            identity::ofMainHostRequest, // row 24: the owner's console
            toConsole::serve,
        },
        new Step[] {
            toApp::forward,            // row 15
        });
  }

  @Override
  public void handle(HttpServerRequest request) {
    request.pause();
    Exchange exchange = new Exchange(request, context, answers, System.nanoTime());
    request.response().endHandler(v -> finish(exchange));
    exchange.continueWith(frontDoor);
  }

  /** Runs once per request, when its response ended or its connection closed first (logged as 499). */
  private void finish(Exchange exchange) {
    HttpServerRequest request = exchange.request;
    HttpServerResponse response = request.response();
    long durationNanos = System.nanoTime() - exchange.startedNanos;
    int status = response.ended() ? response.getStatusCode() : 499;
    metrics.request(exchange.route, status, durationNanos);
    boolean sandbox = exchange.sandbox != null;
    accessLog.log(new AccessLog.Entry(System.currentTimeMillis(), exchange.requestId,
        request.getHeader(TRACE_ID), request.method().name(), request.path(), exchange.route,
        sandbox ? exchange.sandbox.conversationId() : null, sandbox ? exchange.sandbox.port() : -1, status,
        request.bytesRead(), response.bytesWritten(), durationNanos / 1000, exchange.peerAddress(),
        request.getHeader(HttpHeaders.USER_AGENT)));
  }
}
