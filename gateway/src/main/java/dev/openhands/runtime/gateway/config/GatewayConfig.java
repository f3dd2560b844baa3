package dev.openhands.runtime.gateway.config;

import dev.openhands.runtime.common.config.ConfigException;
import dev.openhands.runtime.common.config.Durations;
import dev.openhands.runtime.common.config.EnvReader;
import dev.openhands.runtime.gateway.ops.DrainPlan;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Everything the gateway is configured with, read once from the environment and validated as a whole.
 * Each bad value fails {@link #fromEnv(Map)} with a {@link ConfigException} whose message names the
 * variable. {@link #toString()} never shows the origin secrets.
 *
 * @param bindAddress address the listeners bind to ({@code BIND_ADDRESS}, default all interfaces)
 * @param gatewayPort listener for ALB traffic
 * @param adminPort listener for metrics, never exposed through the ALB
 * @param sandboxTable DynamoDB table holding the sandbox registry
 * @param awsRegion region of the table, or {@code null} for the SDK's default chain
 * @param dynamoDbEndpoint endpoint override (DynamoDB Local), or {@code null}
 * @param originVerifySecrets accepted {@code X-Origin-Verify} values (one, or two during rotation)
 * @param originVerifyRequired whether requests without a valid origin header are refused
 * @param appUpstream the OpenHands app that gets every non-runtime request, or {@code null}
 * @param runtimeAuth who may open a runtime address
 * @param cognitoIssuer issuer of the id tokens to verify, or {@code null}
 * @param cognitoClientId audience of the id tokens to verify, or {@code null}
 * @param routeRefresh age after which a cached route is re-read in the background on its next use
 * @param routeMaxStale age after which a route that could not be re-read is dropped
 * @param routeNegativeTtl how long an unknown or not-running conversation is remembered
 * @param routeCacheMax maximum number of cached routes
 * @param registryTimeout limit on one registry call
 * @param activityInterval at most one {@code last_activity_at} write per conversation per interval
 * @param upstreamConnectTimeout connect limit toward sandboxes and the app
 * @param upstreamIdleTimeout idle limit of one HTTP exchange toward sandboxes and the app
 * @param webSocketIdleTimeout a WebSocket without frames for this long is closed
 * @param sandboxMaxConnections in-flight requests plus open WebSockets allowed per sandbox
 * @param stripCookies cookie names never forwarded to sandboxes
 * @param drainDelay after SIGTERM, how long new connections are still served
 * @param drainTimeout after SIGTERM, the limit on the whole shutdown
 * @param signInUrl where a runtime host without a session sends a navigation ({@code SIGN_IN_URL}, the edge
 *     function's {@code /_login} on the main host), or {@code null}; its host is the main host
 * @param runtimeSessionSecrets keys of the runtime hosts' sessions and handshake proofs (one, or two during
 *     rotation; the first signs); required with {@code SIGN_IN_URL}
 * @param orchestratorUrl the orchestrator that wakes sleeping sandboxes (row 20), or {@code null}: no wake
 * @param orchestratorApiKey sent as {@code X-API-Key} to the orchestrator; required with {@code ORCHESTRATOR_URL}
 * @param wakeCooldown at most one resume call per conversation per this
 * @param warmupLimit the most start-up spends warming the request path before the listeners open; zero: no warm-up
 * @param demoUser local mode only ({@code DEMO_USER}, refused unless {@code ORIGIN_VERIFY=disabled}): the user
 *     signed in on the main host when a request names nobody, since local mode has no Cognito; or {@code null}
 */
public record GatewayConfig(
    String bindAddress,
    int gatewayPort,
    int adminPort,
    String sandboxTable,
    String awsRegion,
    URI dynamoDbEndpoint,
    List<String> originVerifySecrets,
    boolean originVerifyRequired,
    URI appUpstream,
    RuntimeAuth runtimeAuth,
    String cognitoIssuer,
    String cognitoClientId,
    Duration routeRefresh,
    Duration routeMaxStale,
    Duration routeNegativeTtl,
    int routeCacheMax,
    Duration registryTimeout,
    Duration activityInterval,
    Duration upstreamConnectTimeout,
    Duration upstreamIdleTimeout,
    Duration webSocketIdleTimeout,
    int sandboxMaxConnections,
    Set<String> stripCookies,
    Duration drainDelay,
    Duration drainTimeout,
    URI signInUrl,
    List<String> runtimeSessionSecrets,
    URI orchestratorUrl,
    String orchestratorApiKey,
    Duration wakeCooldown,
    Duration warmupLimit,
    String demoUser) {

  /** Secrets shorter than this are refused: the origin header is the only proof that CloudFront sent a request. */
  public static final int MIN_SECRET_LENGTH = 16;
  /** Runtime session keys shorter than this are refused: they sign every runtime host's sign-in. */
  public static final int MIN_SESSION_SECRET_LENGTH = 32;
  /** Start-up must finish within the service's health check grace period (the CDK's, 60 s), warm-up included. */
  public static final Duration MAX_WARMUP = Duration.ofSeconds(45);
  /** The platform's cookies, never forwarded to a sandbox (the main host's and an earlier version's). */
  public static final String DEFAULT_STRIP_COOKIES =
      "__Host-id_token,__Host-refresh_token,__Host-auth_state,id_token,refresh_token,auth_state";

  public GatewayConfig {
    originVerifySecrets = List.copyOf(originVerifySecrets);
    stripCookies = Set.copyOf(stripCookies);
    runtimeSessionSecrets = List.copyOf(runtimeSessionSecrets);
    if (signInUrl != null && runtimeSessionSecrets.isEmpty()) {
      throw new ConfigException("RUNTIME_SESSION_SECRET: not set (expected: a value of at least "
          + MIN_SESSION_SECRET_LENGTH + " characters while SIGN_IN_URL is set)");
    }
    if (runtimeSessionSecrets.size() > 2) {
      throw new ConfigException("RUNTIME_SESSION_SECRET: " + runtimeSessionSecrets.size()
          + " values (expected: one, or two separated by a comma during rotation)");
    }
    for (String secret : runtimeSessionSecrets) {
      if (secret.length() < MIN_SESSION_SECRET_LENGTH) {
        throw new ConfigException("RUNTIME_SESSION_SECRET: a value of " + secret.length()
            + " characters (expected: at least " + MIN_SESSION_SECRET_LENGTH + ")");
      }
    }
    if (originVerifyRequired && originVerifySecrets.isEmpty()) {
      throw new ConfigException("ORIGIN_VERIFY_SECRET: not set (expected: a value while ORIGIN_VERIFY=required)");
    }
    if (originVerifySecrets.size() > 2) {
      throw new ConfigException("ORIGIN_VERIFY_SECRET: " + originVerifySecrets.size()
          + " values (expected: one, or two separated by a comma during rotation)");
    }
    for (String secret : originVerifySecrets) {
      if (secret.length() < MIN_SECRET_LENGTH) {
        throw new ConfigException("ORIGIN_VERIFY_SECRET: a value of " + secret.length()
            + " characters (expected: at least " + MIN_SECRET_LENGTH + ")");
      }
    }
    if ((cognitoIssuer == null) != (cognitoClientId == null)) {
      throw new ConfigException((cognitoIssuer == null ? "COGNITO_ISSUER" : "COGNITO_CLIENT_ID")
          + ": not set (expected: COGNITO_ISSUER and COGNITO_CLIENT_ID set together)");
    }
    if (cognitoIssuer != null && !cognitoIssuer.matches("https?://[^\\s/?#]+(/[^\\s?#]*)?")) {
      throw new ConfigException("COGNITO_ISSUER: '" + cognitoIssuer
          + "' (expected: the user pool's issuer URL, https://cognito-idp.<region>.amazonaws.com/<pool id>)");
    }
    if (routeRefresh.compareTo(routeMaxStale) >= 0) {
      throw new ConfigException("ROUTE_REFRESH: " + Durations.format(routeRefresh)
          + " (expected: < ROUTE_MAX_STALE, " + Durations.format(routeMaxStale) + ")");
    }
    if (drainDelay.compareTo(drainTimeout) >= 0) {
      throw new ConfigException("DRAIN_DELAY: " + Durations.format(drainDelay)
          + " (expected: < DRAIN_TIMEOUT, " + Durations.format(drainTimeout) + ")");
    }
    if (drainTimeout.compareTo(drainDelay.plus(DrainPlan.EXIT_MARGIN)) <= 0) {
      throw new ConfigException("DRAIN_TIMEOUT: " + Durations.format(drainTimeout) + " (expected: > DRAIN_DELAY + "
          + Durations.format(DrainPlan.EXIT_MARGIN) + " for the exit itself, "
          + Durations.format(drainDelay.plus(DrainPlan.EXIT_MARGIN)) + ")");
    }
    if (orchestratorUrl != null && (orchestratorApiKey == null || orchestratorApiKey.length() < MIN_SECRET_LENGTH)) {
      throw new ConfigException("ORCHESTRATOR_API_KEY: " + (orchestratorApiKey == null ? "not set"
          : "a value of " + orchestratorApiKey.length() + " characters") + " (expected: the orchestrator's key, at least "
          + MIN_SECRET_LENGTH + " characters, while ORCHESTRATOR_URL is set)");
    }
    if (demoUser != null && originVerifyRequired) {
      throw new ConfigException("DEMO_USER: set while ORIGIN_VERIFY=required (expected: only in local mode, with"
          + " ORIGIN_VERIFY=disabled)");
    }
    if (demoUser != null && !demoUser.matches("[A-Za-z0-9._:@+-]{1,128}")) {
      throw new ConfigException("DEMO_USER: '" + demoUser + "' (expected: a sign-in id such as demo-user)");
    }
    if (warmupLimit.compareTo(MAX_WARMUP) > 0) {
      throw new ConfigException("WARMUP_LIMIT: " + Durations.format(warmupLimit) + " (expected: at most "
          + Durations.format(MAX_WARMUP) + ", within the load balancer's health check grace; 0s: no warm-up)");
    }
    if (gatewayPort == adminPort) {
      throw new ConfigException("ADMIN_PORT: " + adminPort + " (expected: a port other than GATEWAY_PORT)");
    }
  }

  /** Reads and validates the configuration from environment variables. */
  public static GatewayConfig fromEnv(Map<String, String> env) {
    EnvReader in = new EnvReader(env);
    boolean originVerifyRequired = switch (in.string("ORIGIN_VERIFY", "required").toLowerCase(Locale.ROOT)) {
      case "required" -> true;
      case "disabled" -> false;
      default -> throw new ConfigException(
          "ORIGIN_VERIFY: '" + in.optional("ORIGIN_VERIFY") + "' (expected: required or disabled)");
    };
    return new GatewayConfig(
        in.string("BIND_ADDRESS", "0.0.0.0"),
        in.port("GATEWAY_PORT", 8080),
        in.port("ADMIN_PORT", 9090),
        in.tableName("SANDBOX_TABLE"),
        in.optional("AWS_REGION"),
        in.httpUri("DYNAMODB_ENDPOINT"),
        in.list("ORIGIN_VERIFY_SECRET"),
        originVerifyRequired,
        in.httpUri("APP_UPSTREAM"),
        in.choice("RUNTIME_AUTH", RuntimeAuth.class, "owner"),
        in.optional("COGNITO_ISSUER"),
        in.optional("COGNITO_CLIENT_ID"),
        in.positiveDuration("ROUTE_REFRESH", "10s"),
        in.positiveDuration("ROUTE_MAX_STALE", "5m"),
        in.positiveDuration("ROUTE_NEGATIVE_TTL", "2s"),
        in.positiveInt("ROUTE_CACHE_MAX", 100_000),
        in.positiveDuration("REGISTRY_TIMEOUT", "2s"),
        in.positiveDuration("ACTIVITY_INTERVAL", "60s"),
        in.positiveDuration("UPSTREAM_CONNECT_TIMEOUT", "5s"),
        in.positiveDuration("UPSTREAM_IDLE_TIMEOUT", "300s"),
        in.positiveDuration("WEBSOCKET_IDLE_TIMEOUT", "300s"),
        in.positiveInt("SANDBOX_MAX_CONNECTIONS", 512),
        Set.copyOf(EnvReader.split(in.string("STRIP_COOKIES", DEFAULT_STRIP_COOKIES))),
        in.positiveDuration("DRAIN_DELAY", "5s"),
        in.positiveDuration("DRAIN_TIMEOUT", "25s"),
        signInUrl(in.optional("SIGN_IN_URL")),
        in.list("RUNTIME_SESSION_SECRET"),
        in.httpUri("ORCHESTRATOR_URL"),
        in.optional("ORCHESTRATOR_API_KEY"),
        in.positiveDuration("WAKE_COOLDOWN", "30s"),
        in.duration("WARMUP_LIMIT", "20s"),
        in.optional("DEMO_USER"));
  }

  /** A sign-in URL: https (or http for a loopback name, local mode), a host, a path; no query or fragment. */
  private static URI signInUrl(String value) {
    if (value == null) {
      return null;
    }
    try {
      URI uri = new URI(value);
      String host = uri.getHost();
      boolean loopback = host != null && (host.equals("localhost") || host.endsWith(".localhost")
          || host.equals("127.0.0.1"));
      boolean scheme = "https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()) && loopback;
      if (!scheme || host == null || uri.getRawQuery() != null || uri.getRawFragment() != null
          || uri.getRawUserInfo() != null || uri.getRawPath() == null || !uri.getRawPath().startsWith("/")) {
        throw new ConfigException("SIGN_IN_URL: '" + value
            + "' (expected: https://<main host>/<path>, such as https://openhands.example.com/_login)");
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw new ConfigException("SIGN_IN_URL: '" + value
          + "' (expected: https://<main host>/<path>, such as https://openhands.example.com/_login)");
    }
  }

  /** How SIGTERM takes the gateway down (row 18); valid by construction of this record. */
  public DrainPlan drainPlan() {
    return new DrainPlan(drainDelay, drainTimeout);
  }

  /** Whether runtime hosts sign users in through the main host ({@code SIGN_IN_URL} is set). */
  public boolean signsInRuntimeHosts() {
    return signInUrl != null;
  }

  /** Whether sleeping sandboxes are woken on traffic ({@code ORCHESTRATOR_URL} is set). */
  public boolean wakesSandboxes() {
    return orchestratorUrl != null;
  }

  /** Whether the gateway verifies id_token cookies itself. */
  public boolean verifiesIdTokens() {
    return cognitoIssuer != null;
  }

  @Override
  public String toString() {
    return "GatewayConfig[bind=" + bindAddress + ":" + gatewayPort
        + ", admin=" + adminPort
        + ", table=" + sandboxTable
        + ", region=" + (awsRegion == null ? "(sdk default)" : awsRegion)
        + ", dynamoDbEndpoint=" + (dynamoDbEndpoint == null ? "(aws)" : dynamoDbEndpoint)
        + ", originVerify=" + (originVerifyRequired ? "required" : "disabled")
        + ", originVerifySecrets=" + originVerifySecrets.size() + " (hidden)"
        + ", appUpstream=" + (appUpstream == null ? "(none)" : appUpstream)
        + ", runtimeAuth=" + runtimeAuth.name().toLowerCase(Locale.ROOT)
        + ", idTokens=" + (verifiesIdTokens() ? "verified, issuer " + cognitoIssuer : "from origin-verified header")
        + ", routeRefresh=" + Durations.format(routeRefresh)
        + ", routeMaxStale=" + Durations.format(routeMaxStale)
        + ", routeNegativeTtl=" + Durations.format(routeNegativeTtl)
        + ", routeCacheMax=" + routeCacheMax
        + ", registryTimeout=" + Durations.format(registryTimeout)
        + ", activityInterval=" + Durations.format(activityInterval)
        + ", upstreamConnectTimeout=" + Durations.format(upstreamConnectTimeout)
        + ", upstreamIdleTimeout=" + Durations.format(upstreamIdleTimeout)
        + ", webSocketIdleTimeout=" + Durations.format(webSocketIdleTimeout)
        + ", sandboxMaxConnections=" + sandboxMaxConnections
        + ", stripCookies=" + stripCookies
        + ", drainDelay=" + Durations.format(drainDelay)
        + ", drainTimeout=" + Durations.format(drainTimeout)
        + ", signInUrl=" + (signInUrl == null ? "(none)" : signInUrl)
        + ", runtimeSessionSecrets=" + runtimeSessionSecrets.size() + " (hidden)"
        + ", orchestrator=" + (orchestratorUrl == null ? "(none: no wake)" : orchestratorUrl + ", key (hidden)")
        + ", wakeCooldown=" + Durations.format(wakeCooldown)
        + ", warmupLimit=" + (warmupLimit.isZero() ? "(no warm-up)" : Durations.format(warmupLimit))
        + (demoUser == null ? "" : ", demoUser=" + demoUser + " (local mode)") + "]";
  }
}
