package dev.openhands.runtime.gateway.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.openhands.runtime.gateway.failure.ErrorResponses;
import dev.openhands.runtime.gateway.failure.GatewayFailure;
import dev.openhands.runtime.gateway.routing.AddressParse;
import dev.openhands.runtime.gateway.routing.RuntimeAddressParser;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How a runtime host gets a signed-in user without sharing a cookie with the main host (code on a runtime host can
 * set cookies for the parent domain, and must never see the user's tokens):
 *
 * <ol>
 *   <li>a navigation to a runtime host without a session is sent to {@code SIGN_IN_URL?return=<url>&nonce=<n>}
 *       (row 23), after the runtime host set {@value #NONCE_COOKIE} to {@code n} (host-only, HttpOnly);
 *   <li>the main host signs the user in (the edge function), then the gateway answers {@code SIGN_IN_URL} there with
 *       a page that posts a {@link RuntimeSessions proof} for that user, that runtime host and that nonce to
 *       {@value #SESSION_PATH} on the runtime host;
 *   <li>the runtime host's gateway checks the proof (signature, host, 60 s, nonce equal to its cookie, used once),
 *       sets {@value #SESSION_COOKIE} (host-only, HttpOnly, never forwarded) and sends the browser back.
 * </ol>
 *
 * A proof stolen on the way opens only that one runtime host, for a minute, in the browser holding the nonce; a
 * session cookie of another runtime host is refused (it names its host).
 */
public final class RuntimeHandshake {

  public static final String SESSION_COOKIE = "__Host-oh_runtime";
  public static final String NONCE_COOKIE = "__Host-oh_handshake";
  /** The reserved path on every runtime host: answered by the gateway, never forwarded to a sandbox. */
  public static final String SESSION_PATH = "/_runtime/session";
  private static final int MAX_FORM_BYTES = 8192;
  private static final long NONCE_SECONDS = 300;
  private static final String SUBMIT_SCRIPT = "document.forms[0].submit();";
  private static final String SUBMIT_SCRIPT_HASH = sha256(SUBMIT_SCRIPT);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final URI signInUrl;
  private final String mainAuthority;
  private final String runtimeSuffix;
  private final RuntimeSessions sessions;
  private final Clock clock;
  private final Cache<String, Boolean> usedNonces;
  /** Sessions already verified, by cookie value and host: a runtime host's every request shows its session. */
  private final Cache<String, RuntimeSessions.Session> verified;

  public RuntimeHandshake(URI signInUrl, List<String> secrets, Clock clock) {
    this.signInUrl = signInUrl;
    this.mainAuthority = signInUrl.getRawAuthority().toLowerCase(Locale.ROOT);
    this.runtimeSuffix = ".runtime." + mainAuthority;
    this.sessions = new RuntimeSessions(secrets, clock);
    this.clock = clock;
    // Upkeep on the caller, not a pool thread woken every few requests (see RouteCache).
    this.usedNonces = Caffeine.newBuilder().expireAfterWrite(RuntimeSessions.PROOF_LIFETIME.multipliedBy(2))
        .maximumSize(100_000).executor(Runnable::run).build();
    this.verified = Caffeine.newBuilder().expireAfterWrite(java.time.Duration.ofMinutes(10))
        .maximumSize(100_000).executor(Runnable::run).build();
  }

  /** Cookies of the handshake, which no sandbox may see. */
  public static List<String> cookies() {
    return List.of(SESSION_COOKIE, NONCE_COOKIE);
  }

  /** The user a runtime host's session names: all valid session cookies for this host must agree. */
  public String subject(MultiMap headers, String host) {
    String chosen = null;
    for (String value : Cookies.values(headers, SESSION_COOKIE)) {
      Optional<RuntimeSessions.Session> session = session(value, normalized(host));
      if (session.isPresent()) {
        if (chosen != null && !chosen.equals(session.get().subject())) {
          return null;
        }
        chosen = session.get().subject();
      }
    }
    return chosen;
  }

  /** A valid session of {@code host}: checked once, then remembered until it expires (at most ten minutes). */
  private Optional<RuntimeSessions.Session> session(String value, String host) {
    String key = host + ' ' + value;
    RuntimeSessions.Session known = verified.getIfPresent(key);
    if (known == null) {
      known = sessions.readSession(value, host).orElse(null);
      if (known == null) {
        return Optional.empty();
      }
      verified.put(key, known);
    }
    return known.expiresAt() > clock.instant().getEpochSecond() ? Optional.of(known) : Optional.empty();
  }

  /** Whether this is the sign-in URL on the main host, where proofs are handed out. */
  public boolean isSignIn(HttpServerRequest request, String host) {
    return host != null && normalized(host).equals(mainAuthority) && signInUrl.getRawPath().equals(request.path());
  }

  /** Row 23: sends a navigation without a session to the sign-in URL, with a fresh nonce for a runtime host. */
  public void redirectToSignIn(HttpServerRequest request, String returnUrl, boolean runtimeHost) {
    StringBuilder location = new StringBuilder(signInUrl.toString()).append("?return=")
        .append(URLEncoder.encode(returnUrl, StandardCharsets.UTF_8));
    HttpServerResponse response = request.response();
    if (runtimeHost) {
      String nonce = randomToken();
      location.append("&nonce=").append(nonce);
      // SameSite=None: the proof arrives in a POST from the main host, which is another site on *.localhost.
      response.headers().add("Set-Cookie", NONCE_COOKIE + "=" + nonce + "; Path=/; Secure; HttpOnly; SameSite=None;"
          + " Max-Age=" + NONCE_SECONDS);
    }
    response.setStatusCode(302).putHeader("Location", location.toString()).putHeader("Cache-Control", "no-store")
        .end();
  }

  /**
   * Answers the sign-in URL on the main host for a signed-in {@code userId}: the page that posts a proof to the
   * runtime host of {@code return}; 400 when {@code return} is not a runtime URL of this deployment or the nonce is
   * missing.
   */
  public void offerProof(HttpServerRequest request, String userId, String scheme) {
    String target = request.getParam("return");
    String nonce = request.getParam("nonce");
    URI returnUrl = runtimeUrl(target);
    if (returnUrl == null || !RuntimeSessions.fit(nonce) || !RuntimeSessions.fit(userId)) {
      page(request, 400, "This sign-in link is not valid. Open the app's link again.");
      return;
    }
    String host = returnUrl.getRawAuthority().toLowerCase(Locale.ROOT);
    String action = scheme + "://" + host + SESSION_PATH;
    String back = (returnUrl.getRawPath() == null || returnUrl.getRawPath().isEmpty() ? "/" : returnUrl.getRawPath())
        + (returnUrl.getRawQuery() == null ? "" : "?" + returnUrl.getRawQuery());
    String body = "<!doctype html><html><head><meta charset=\"utf-8\"><title>Opening the sandbox</title></head>"
        + "<body><form method=\"post\" action=\"" + html(action) + "\">"
        + "<input type=\"hidden\" name=\"proof\" value=\"" + html(sessions.proof(userId, host, nonce)) + "\">"
        + "<input type=\"hidden\" name=\"return\" value=\"" + html(back) + "\">"
        + "<p>Opening the sandbox as you...</p><noscript><button type=\"submit\">Continue</button></noscript>"
        + "</form><script>" + SUBMIT_SCRIPT + "</script></body></html>";
    request.response().setStatusCode(200)
        .putHeader("Content-Type", "text/html; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Content-Security-Policy", "default-src 'none'; script-src '" + SUBMIT_SCRIPT_HASH
            + "'; form-action " + scheme + "://" + host + "; frame-ancestors 'none'; base-uri 'none'")
        .end(body);
  }

  /** Whether this request is the proof arriving at a runtime host. */
  public static boolean isSessionPost(HttpServerRequest request) {
    return SESSION_PATH.equals(request.path());
  }

  /** Takes the proof posted to a runtime host: sets its session and sends the browser back, or refuses. */
  public void acceptProof(HttpServerRequest request, String host) {
    if (request.method() != io.vertx.core.http.HttpMethod.POST) {
      page(request, 405, "This address takes the sign-in form only.");
      return;
    }
    String length = request.getHeader("Content-Length");
    if (length == null || !length.matches("\\d{1,5}") || Integer.parseInt(length) > MAX_FORM_BYTES) {
      page(request, 400, "This sign-in form is not valid. Open the app's link again.");
      return;
    }
    request.setExpectMultipart(true);
    request.resume();
    request.endHandler(v -> {
      String proof = request.getFormAttribute("proof");
      String back = safePath(request.getFormAttribute("return"));
      List<String> nonces = Cookies.values(request.headers(), NONCE_COOKIE);
      Optional<RuntimeSessions.Proof> valid = sessions.readProof(proof, normalized(host))
          .filter(p -> nonces.stream().anyMatch(n -> sameText(n, p.nonce())))
          .filter(p -> usedNonces.asMap().putIfAbsent(p.nonce(), Boolean.TRUE) == null);
      if (valid.isEmpty()) {
        page(request, 400, "This sign-in link is not valid any more. Open the app's link again.");
        return;
      }
      long expiresAt = clock.instant().getEpochSecond() + RuntimeSessions.MAX_SESSION.toSeconds();
      String session = sessions.session(valid.get().subject(), normalized(host), expiresAt);
      HttpServerResponse response = request.response();
      response.headers()
          .add("Set-Cookie", SESSION_COOKIE + "=" + session + "; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age="
              + RuntimeSessions.MAX_SESSION.toSeconds())
          .add("Set-Cookie", NONCE_COOKIE + "=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0");
      response.setStatusCode(303).putHeader("Location", back).putHeader("Cache-Control", "no-store").end();
    });
  }

  /** {@code target} when it is a runtime host URL under this deployment's main host, else {@code null}. */
  URI runtimeUrl(String target) {
    if (target == null || target.length() > 4096) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(target);
    } catch (java.net.URISyntaxException e) {
      return null;
    }
    String authority = uri.getRawAuthority();
    boolean scheme = "https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme());
    if (!scheme || authority == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
      return null;
    }
    String host = authority.toLowerCase(Locale.ROOT);
    if (!host.endsWith(runtimeSuffix)
        || !(RuntimeAddressParser.parse(host, "/") instanceof AddressParse.Runtime)) {
      return null;
    }
    return uri;
  }

  /** A path on the same host to send the browser back to; anything else becomes {@code /}. */
  static String safePath(String path) {
    if (path == null || !path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")
        || path.length() > 4096 || path.chars().anyMatch(c -> c < 0x21 || c == 0x7f || c == '\\')) {
      return "/";
    }
    return path;
  }

  private static String normalized(String host) {
    return host.toLowerCase(Locale.ROOT);
  }

  private static boolean sameText(String a, String b) {
    return a != null && b != null && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8),
        b.getBytes(StandardCharsets.UTF_8));
  }

  private static void page(HttpServerRequest request, int status, String message) {
    request.resume();
    ErrorResponses.send(request, new GatewayFailure(status, message));
  }

  private static String randomToken() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static String html(String text) {
    return text.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
  }

  private static String sha256(String text) {
    try {
      return "sha256-" + Base64.getEncoder().encodeToString(
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
