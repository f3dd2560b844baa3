package dev.openhands.runtime.gateway;

import dev.openhands.runtime.gateway.config.GatewayConfig;
import dev.openhands.runtime.gateway.failure.ErrorResponses;
import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.ops.AccessLog;
import dev.openhands.runtime.gateway.ops.GatewayMetrics;
import dev.openhands.runtime.gateway.ops.HealthCheck;
import dev.openhands.runtime.gateway.proxy.ConnectFailureAnswer;
import dev.openhands.runtime.gateway.proxy.ForwardedHeaders;
import dev.openhands.runtime.gateway.proxy.HttpForwarder;
import dev.openhands.runtime.gateway.proxy.RequestFacts;
import dev.openhands.runtime.gateway.proxy.SandboxAdmission;
import dev.openhands.runtime.gateway.proxy.Upstream;
import dev.openhands.runtime.gateway.proxy.UpstreamConnectFailed;
import dev.openhands.runtime.gateway.proxy.WebSocketProxy;
import dev.openhands.runtime.gateway.registry.ActivityRecorder;
import dev.openhands.runtime.gateway.registry.RouteCache;
import dev.openhands.runtime.gateway.registry.SandboxRoute;
import dev.openhands.runtime.gateway.routing.AddressParse;
import dev.openhands.runtime.gateway.routing.RuntimeAddress;
import dev.openhands.runtime.gateway.routing.RuntimeAddressParser;
import dev.openhands.runtime.gateway.security.Cookies;
import dev.openhands.runtime.gateway.security.IdTokenVerifier;
import dev.openhands.runtime.gateway.security.OriginVerifier;
import dev.openhands.runtime.gateway.security.RuntimeHandshake;
import dev.openhands.runtime.gateway.security.Ownership;
import dev.openhands.runtime.gateway.security.SecurityHeaders;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.net.URI;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every request walks the same short chain of named steps, in the order of the behaviour table:
 * {@code healthCheck} (row 1), {@code verifyOrigin} (2), {@code parseAddress} (3, 4), then for runtime
 * addresses {@code resolveRoute} (5, 6, 16), {@code checkOwnership} (7), {@code admitted} (19) and {@code forwardToSandbox}
 * (8-13 and the activity record of 17, with one re-resolve on a moved task, row 9); other requests go to
 * {@code forwardToApp} (15).
 * A step that answers itself fails with a {@link GatewayFailure}; {@link #answer} renders it once.
 */
public final class RequestPipeline implements Handler<HttpServerRequest> {

  private static final Logger LOG = LoggerFactory.getLogger(RequestPipeline.class);
  private static final Consumer<MultiMap> NO_DECORATION = headers -> {};
  private static final Runnable NO_ACTIVITY = () -> {};
  private static final String USER_HEADER = "X-Cognito-User-Id";
  private static final Consumer<MultiMap> SANDBOX_RESPONSE = headers -> {
    SecurityHeaders.addMissing(headers);
    SecurityHeaders.rewriteSetCookies(headers);
  };

  private final HealthCheck health;
  private final OriginVerifier origin;
  private final RouteCache routes;
  private final Ownership ownership;
  private final ForwardedHeaders forwardedHeaders;
  private final HttpForwarder http;
  private final WebSocketProxy webSocket;
  private final URI app;
  private final ActivityRecorder activity;
  private final SandboxAdmission admission;
  private final IdTokenVerifier idTokens;
  private final GatewayMetrics metrics;
  private final AccessLog accessLog;
  private final RuntimeHandshake handshake;

  /**
   * @param idTokens the main host's id-token verifier, or {@code null} without COGNITO_ISSUER
   * @param handshake the runtime hosts' sign-in, shared by every listener (one used-proof memory), or {@code null}
   *     without SIGN_IN_URL
   */
  RequestPipeline(GatewayConfig config, HealthCheck health, RouteCache routes, ActivityRecorder activity,
      SandboxAdmission admission, IdTokenVerifier idTokens, RuntimeHandshake handshake, HttpForwarder http,
      WebSocketProxy webSocket, GatewayMetrics metrics, AccessLog accessLog) {
    this.idTokens = idTokens;
    this.metrics = metrics;
    this.accessLog = accessLog;
    this.activity = activity;
    this.admission = admission;
    this.health = health;
    this.origin = new OriginVerifier(config.originVerifySecrets(), config.originVerifyRequired());
    this.routes = routes;
    this.ownership = new Ownership(config.runtimeAuth());
    Set<String> strip = new HashSet<>(config.stripCookies());
    strip.addAll(RuntimeHandshake.cookies());
    this.forwardedHeaders = new ForwardedHeaders(strip);
    this.handshake = handshake;
    this.http = http;
    this.webSocket = webSocket;
    this.app = config.appUpstream();
  }

  @Override
  public void handle(HttpServerRequest request) {
    request.pause();
    Exchange exchange = new Exchange(System.nanoTime());
    request.response().endHandler(v -> finish(request, exchange));
    try {
      route(request, exchange);
    } catch (GatewayFailure failure) {
      answer(request, failure, false);
    }
  }

  /** What the access log and the metrics say about one request; filled in as the chain learns it. */
  private static final class Exchange {
    final long startedNanos;
    String route = "gateway";
    String requestId;
    String conversationId;
    int port = -1;

    Exchange(long startedNanos) {
      this.startedNanos = startedNanos;
    }
  }

  /** Runs once per request, when its response ended or its connection closed first (logged as 499). */
  private void finish(HttpServerRequest request, Exchange exchange) {
    HttpServerResponse response = request.response();
    long durationNanos = System.nanoTime() - exchange.startedNanos;
    int status = response.ended() ? response.getStatusCode() : 499;
    metrics.request(exchange.route, status, durationNanos);
    accessLog.log(new AccessLog.Entry(System.currentTimeMillis(), exchange.requestId,
        request.getHeader("X-Amzn-Trace-Id"), request.method().name(), request.path(), exchange.route,
        exchange.conversationId, exchange.port, status, request.bytesRead(), response.bytesWritten(),
        durationNanos / 1000, peerAddress(request), request.getHeader("User-Agent")));
  }

  private void route(HttpServerRequest request, Exchange exchange) {
    String host = request.getHeader("Host");
    if (host == null && request.version() == HttpVersion.HTTP_1_1) {
      throw new GatewayFailure(400, "an HTTP/1.1 request needs a Host header");
    }
    String uri = originForm(request.uri());
    AddressParse address = RuntimeAddressParser.parse(host, uri);
    if (address instanceof AddressParse.NotRuntime && HealthCheck.matches(request)) {
      exchange.route = "health";
      request.resume();
      health.answer(request);
      return;
    }
    exchange.requestId = newRequestId();
    boolean verified = verifyOrigin(request);
    RequestFacts facts = new RequestFacts(exchange.requestId, verified, peerAddress(request), request.scheme(), host);
    if (address instanceof AddressParse.Malformed malformed) {
      throw new RuntimeFailure(400, malformed.reason());
    }
    if (address instanceof AddressParse.Runtime runtime) {
      exchange.route = "sandbox";
      exchange.conversationId = runtime.address().conversationId();
      exchange.port = runtime.address().port();
      if (runtime.address().hostForm() && RuntimeHandshake.isSessionPost(request)) {
        exchange.route = "sign-in";
        acceptRuntimeSignIn(request, host);
        return;
      }
      routeToSandbox(request, runtime.address(), facts);
    } else if (handshake != null && handshake.isSignIn(request, host)) {
      exchange.route = "sign-in";
      offerRuntimeSignIn(request, facts);
    } else {
      exchange.route = "app";
      forwardToApp(request, uri, facts);
    }
  }

  /** Row 2: refuses requests that did not come through CloudFront; returns whether the header verified. */
  private boolean verifyOrigin(HttpServerRequest request) {
    boolean verified = origin.verifies(request.getHeader(OriginVerifier.HEADER));
    if (!verified && origin.required()) {
      throw new GatewayFailure(403, "requests must come through the CDN");
    }
    return verified;
  }

  private void routeToSandbox(HttpServerRequest request, RuntimeAddress address, RequestFacts facts) {
    Context context = Vertx.currentContext();
    resolveRoute(address, context)
        .compose(route -> identify(request, address, facts, context).map(user -> checkOwnership(route, user)))
        .compose(target -> admitted(address.conversationId(), () -> forwardToSandbox(request, address, target, facts)
            .recover(err -> err instanceof UpstreamConnectFailed
                ? retryOnMovedTask(request, address, target, facts, context)
                : Future.failedFuture(err))))
        .onFailure(err -> {
          if (err instanceof SignInRequired) {
            signInFirst(request, address, facts);
          } else {
            failRuntime(request, err);
          }
        });
  }

  /** A sandbox the request may open, and who opens it ({@code null}: nobody signed in, or not asked). */
  private record Target(SandboxRoute.Running route, String userId) {}

  /**
   * Row 19: runs {@code exchange} only when the sandbox is below its limit, and releases the slot once,
   * when the exchange's future completes (the end of the response, or the close of the WebSocket).
   */
  private Future<Void> admitted(String conversationId, Supplier<Future<Void>> exchange) {
    if (!admission.tryAcquire(conversationId)) {
      return Future.failedFuture(new RuntimeFailure(429, "too many connections to this sandbox, retry shortly"));
    }
    Future<Void> running;
    try {
      running = exchange.get();
    } catch (RuntimeException e) {
      admission.release(conversationId);
      throw e;
    }
    return running.andThen(ar -> admission.release(conversationId));
  }

  /** Rows 5, 6 and 16: the cached route; unknown is 404, known but not running is 409. */
  private Future<SandboxRoute.Running> resolveRoute(RuntimeAddress address, Context context) {
    CompletableFuture<SandboxRoute> cached = routes.get(address.conversationId());
    // A cache hit is already complete: use it on this event loop instead of a hop through the context.
    Future<SandboxRoute> lookup = cached.isDone() && !cached.isCompletedExceptionally()
        ? Future.succeededFuture(cached.getNow(null))
        : Future.fromCompletionStage(cached, context);
    return lookup
        .recover(err -> Future.failedFuture(
            new RuntimeFailure(503, "the sandbox registry is unavailable, try again shortly")))
        .map(route -> {
          if (route instanceof SandboxRoute.Running running) {
            return running;
          }
          if (route instanceof SandboxRoute.NotRunning notRunning) {
            throw new RuntimeFailure(409, "the sandbox is " + notRunning.status().toLowerCase(Locale.ROOT)
                + ", not running");
          }
          throw new RuntimeFailure(404, "no sandbox for this conversation");
        });
  }

  /**
   * Row 7: who is asking. On a runtime host, the user of its own session cookie (the handshake's, with SIGN_IN_URL;
   * a runtime host has no other trustworthy cookie), else the edge's origin-verified header. On the app's host (the path form), with COGNITO_ISSUER set, the subject of the
   * {@code __Host-id_token} cookies when they agree; otherwise the {@code X-Cognito-User-Id} that CloudFront's
   * sign-in set, trusted only on origin-verified requests. Not asked when runtime hosts are public.
   */
  private Future<String> identify(HttpServerRequest request, RuntimeAddress address, RequestFacts facts,
      Context context) {
    if (!ownership.required()) {
      return Future.succeededFuture(null);
    }
    if (address.hostForm()) {
      if (handshake != null) {
        return Future.succeededFuture(handshake.subject(request.headers(), facts.host()));
      }
      // Without the handshake, the identity the edge function put on the request, if any (it drops client-sent
      // ones); never an id token, which only code on the runtime host itself could have set there.
      return Future.succeededFuture(facts.originVerified() ? request.getHeader(USER_HEADER) : null);
    }
    return mainHostUser(request, facts, context);
  }

  /** The signed-in user of a request to the app's host, or {@code null}. */
  private Future<String> mainHostUser(HttpServerRequest request, RequestFacts facts, Context context) {
    if (idTokens == null) {
      return Future.succeededFuture(facts.originVerified() ? request.getHeader(USER_HEADER) : null);
    }
    Future<String> subject = idTokens.subject(Cookies.values(request.headers(), IdTokenVerifier.COOKIE))
        .recover(err -> Future.failedFuture(new RuntimeFailure(503, "cannot verify sign-in now, try again shortly")));
    // A key fetch completes on the event loop that started it; come back to this request's own.
    return subject.isComplete() ? subject : Future.fromCompletionStage(subject.toCompletionStage(), context);
  }

  /** No identity on a sandbox that needs one: a failure the sign-in step answers (row 23). */
  static final class SignInRequired extends GatewayFailure {
    SignInRequired() {
      super(403, "sign in to open this sandbox");
    }
  }

  /**
   * Row 23: with SIGN_IN_URL, a navigation goes to sign in and comes back (a runtime host through the handshake),
   * and scripts and WebSocket upgrades get 401 they can act on; without it, 403 as row 7 says.
   */
  private void signInFirst(HttpServerRequest request, RuntimeAddress address, RequestFacts facts) {
    if (handshake == null) {
      answer(request, new RuntimeFailure(403, "sign in to open this sandbox"), true);
      return;
    }
    if (!isNavigation(request)) {
      answer(request, new RuntimeFailure(401, "sign in to open this sandbox"), true);
      return;
    }
    request.resume();
    SecurityHeaders.addMissing(request.response().headers());
    String scheme = facts.originVerified() ? "https" : request.scheme();
    handshake.redirectToSignIn(request, scheme + "://" + facts.host() + request.uri(), address.hostForm());
  }

  /** A browser navigation (not a script, not a WebSocket upgrade). */
  private static boolean isNavigation(HttpServerRequest request) {
    if (WebSocketProxy.isUpgrade(request)) {
      return false;
    }
    String mode = request.getHeader("Sec-Fetch-Mode");
    if (mode != null) {
      return mode.equalsIgnoreCase("navigate");
    }
    String accept = request.getHeader("Accept");
    return request.method() == io.vertx.core.http.HttpMethod.GET && accept != null
        && accept.toLowerCase(Locale.ROOT).contains("text/html");
  }

  /** The sign-in URL on the app's host: a proof of the signed-in user for the runtime host asked for. */
  private void offerRuntimeSignIn(HttpServerRequest request, RequestFacts facts) {
    Context context = Vertx.currentContext();
    mainHostUser(request, facts, context).onComplete(ar -> {
      request.resume();
      if (ar.failed() || ar.result() == null || ar.result().isEmpty()) {
        answer(request, ar.failed() ? asFailure(ar.cause()) : new GatewayFailure(401, "sign in first"), false);
        return;
      }
      handshake.offerProof(request, ar.result(), facts.originVerified() ? "https" : request.scheme());
    });
  }

  /** The reserved path of every runtime host: the handshake's proof arrives there, and nothing is forwarded. */
  private void acceptRuntimeSignIn(HttpServerRequest request, String host) {
    SecurityHeaders.addMissing(request.response().headers());
    if (handshake == null) {
      answer(request, new RuntimeFailure(404, "runtime sign-in is not set up here"), true);
      return;
    }
    handshake.acceptProof(request, host);
  }

  private Target checkOwnership(SandboxRoute.Running route, String userId) {
    if (ownership.required() && !route.ownerPending() && (userId == null || userId.isEmpty())) {
      throw new SignInRequired();
    }
    try {
      ownership.check(route, userId);
    } catch (GatewayFailure failure) {
      throw new RuntimeFailure(failure.status(), failure.detail(), failure.retryAfterSeconds());
    }
    return new Target(route, userId);
  }

  private Future<Void> forwardToSandbox(HttpServerRequest request, RuntimeAddress address, Target target,
      RequestFacts facts) {
    Upstream upstream = new Upstream(target.route().taskIp(), address.port(), address.upstreamUri(), true);
    String conversationId = address.conversationId();
    activity.touch(conversationId);
    boolean upgrade = WebSocketProxy.isUpgrade(request);
    MultiMap headers = upgrade
        ? forwardedHeaders.forWebSocket(request.headers(), facts, upstream)
        : forwardedHeaders.forRequest(request.headers(), facts, upstream);
    if (idTokens != null || handshake != null && address.hostForm()) {
      setVerifiedUser(headers, target.userId());
    }
    if (upgrade) {
      return webSocket.proxy(request, upstream, headers, SANDBOX_RESPONSE, () -> activity.touch(conversationId));
    }
    return http.forward(request, upstream, headers, SANDBOX_RESPONSE);
  }

  /** With id tokens verified here, the sandbox learns the verified subject, never a header's claim. */
  private static void setVerifiedUser(MultiMap headers, String userId) {
    headers.remove(USER_HEADER);
    if (userId != null) {
      headers.set(USER_HEADER, userId);
    }
  }

  /**
   * Row 9: the cached address refused the connection, so the task may have moved. Drop that route, read
   * the registry once more, and try again on a new address; nothing was sent, so the retry is safe.
   */
  private Future<Void> retryOnMovedTask(HttpServerRequest request, RuntimeAddress address, Target stale,
      RequestFacts facts, Context context) {
    metrics.connectFailure("sandbox");
    routes.invalidateIf(address.conversationId(), stale.route());
    return resolveRoute(address, context).compose(fresh -> fresh.taskIp().equals(stale.route().taskIp())
        ? Future.failedFuture(new UpstreamConnectFailed(stale.route().taskIp() + ":" + address.port(),
            new IllegalStateException("connection refused")))
        : forwardToSandbox(request, address, checkOwnership(fresh, stale.userId()), facts));
  }

  /** Row 15: everything that is not a runtime address goes to the app, when there is one. */
  private void forwardToApp(HttpServerRequest request, String uri, RequestFacts facts) {
    if (app == null) {
      throw new GatewayFailure(404, "not found");
    }
    Upstream upstream = new Upstream(app.getHost(), appPort(), uri, false);
    Future<Void> exchange;
    if (WebSocketProxy.isUpgrade(request)) {
      exchange = webSocket.proxy(request, upstream, forwardedHeaders.forWebSocket(request.headers(), facts, upstream),
          NO_DECORATION, NO_ACTIVITY);
    } else {
      exchange = http.forward(request, upstream, forwardedHeaders.forRequest(request.headers(), facts, upstream),
          NO_DECORATION);
    }
    exchange.onFailure(err -> {
      if (err instanceof UpstreamConnectFailed) {
        metrics.connectFailure("app");
        answer(request, new GatewayFailure(502, "the app is not reachable"), false);
      } else {
        answer(request, asFailure(err), false);
      }
    });
  }

  private void failRuntime(HttpServerRequest request, Throwable err) {
    if (err instanceof UpstreamConnectFailed) {
      metrics.connectFailure("sandbox");
      LOG.debug("sandbox unreachable: {}", err.getMessage());
      if (ConnectFailureAnswer.isCorsProbe(request.headers())) {
        request.resume();
        HttpServerResponse response = request.response().setStatusCode(204).putHeader("Cache-Control", "no-store");
        SecurityHeaders.addMissing(response.headers());
        response.end();
        return;
      }
      answer(request, new GatewayFailure(502, "the app in the sandbox is not accepting connections on this port"),
          true);
      return;
    }
    answer(request, asFailure(err), err instanceof RuntimeFailure || err instanceof GatewayFailure);
  }

  private static GatewayFailure asFailure(Throwable err) {
    if (err instanceof GatewayFailure failure) {
      return failure;
    }
    LOG.warn("request failed: {}", err.toString());
    return new GatewayFailure(502, "the upstream failed");
  }

  /** Renders a failure once; runtime answers get the same security headers as the sandbox's own. */
  private static void answer(HttpServerRequest request, GatewayFailure failure, boolean runtime) {
    request.resume();
    if (runtime || failure instanceof RuntimeFailure) {
      SecurityHeaders.addMissing(request.response().headers());
    }
    ErrorResponses.send(request, failure);
  }

  private int appPort() {
    if (app.getPort() > 0) {
      return app.getPort();
    }
    return "https".equalsIgnoreCase(app.getScheme()) ? 443 : 80;
  }

  /** The path and query of a request target, also when it arrived in absolute form. */
  static String originForm(String uri) {
    if (uri.startsWith("/")) {
      return uri;
    }
    int scheme = uri.indexOf("://");
    if (scheme < 0) {
      return "/";
    }
    int path = uri.indexOf('/', scheme + 3);
    return path < 0 ? "/" : uri.substring(path);
  }

  private static String peerAddress(HttpServerRequest request) {
    return request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
  }

  private static String newRequestId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }

  /** A failure on a runtime address: answered with the runtime security headers. */
  static final class RuntimeFailure extends GatewayFailure {
    RuntimeFailure(int status, String detail) {
      super(status, detail);
    }

    RuntimeFailure(int status, String detail, int retryAfterSeconds) {
      super(status, detail, retryAfterSeconds);
    }
  }
}
