package dev.openhands.runtime.gateway.security;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.FakeCognito;
import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runtime-host handshake (issue 13; row 23's round trip): a runtime host gets its own host-only session from the
 * main host, never a shared cookie, through the gateway's reserved path, which never reaches the sandbox.
 */
@Timeout(60)
class RuntimeHandshakeTest {

  static final String OWNED = "0123456789abcdef0123456789abcdef";
  static final String OTHER = "fedcba9876543210fedcba9876543210";
  static final String MAIN = "openhands.example.com";
  static final String SIGN_IN = "https://" + MAIN + "/_login";
  static final Pattern FIELD = Pattern.compile("name=\"(proof|return)\" value=\"([^\"]*)\"");

  static GatewayFixture fixture;
  static FakeCognito cognito;
  static RecordingSandbox sandbox;
  static TestClient client;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-handshake");
    fixture.table().putRunning(OWNED, "user-a");
    fixture.table().putRunning(OTHER, "user-a");
    cognito = await(new FakeCognito(fixture.vertx()).start());
    cognito.publish("key-1");
    sandbox = fixture.recording();
    GatewayUnderTest gateway = fixture.gateway(Map.of("RUNTIME_AUTH", "owner",
        "COGNITO_ISSUER", cognito.issuer(), "COGNITO_CLIENT_ID", FakeCognito.CLIENT_ID,
        "SIGN_IN_URL", SIGN_IN, "RUNTIME_SESSION_SECRET", "runtime-session-secret-0123456789abcdef"));
    client = fixture.client(gateway);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static void drain() throws InterruptedException {
    while (sandbox.anyReceived()) {
      sandbox.next();
    }
  }

  static String host(String conversation) {
    return fixture.runtimeHost(conversation).replace("openhands.example.com", MAIN);
  }

  static MultiMap navigation(String conversation) {
    return viaCdn(host(conversation)).set("Sec-Fetch-Mode", "navigate").set("Accept", "text/html");
  }

  static String cookieValue(TestClient.Response response, String name) {
    for (String setCookie : response.headers().getAll("Set-Cookie")) {
      if (setCookie.startsWith(name + "=")) {
        return setCookie.substring(name.length() + 1, setCookie.indexOf(';'));
      }
    }
    return null;
  }

  static String setCookie(TestClient.Response response, String name) {
    return response.headers().getAll("Set-Cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst()
        .orElse(null);
  }

  /** Step 1: the runtime host sends the browser to sign in; returns [nonce, sign-in URL]. */
  static String[] beginAt(String conversation, String path) throws Exception {
    TestClient.Response redirect = client.get(path, navigation(conversation));
    assertEquals(302, redirect.status(), redirect.body());
    return new String[] {cookieValue(redirect, RuntimeHandshake.NONCE_COOKIE), redirect.header("Location")};
  }

  /** Step 2: the main host, signed in as {@code user}, answers the sign-in URL with the proof's form. */
  static Map<String, String> proofPage(String signInUrl, String user) throws Exception {
    URI uri = URI.create(signInUrl);
    TestClient.Response page = client.get(uri.getRawPath() + "?" + uri.getRawQuery(), viaCdn(MAIN)
        .set("Cookie", IdTokenVerifier.COOKIE + "=" + cognito.idToken(user, "key-1")));
    assertEquals(200, page.status(), page.body());
    Matcher m = FIELD.matcher(page.body());
    Map<String, String> fields = new java.util.HashMap<>();
    while (m.find()) {
      fields.put(m.group(1), m.group(2).replace("&amp;", "&"));
    }
    Matcher action = Pattern.compile("action=\"([^\"]+)\"").matcher(page.body());
    assertTrue(action.find());
    fields.put("action", action.group(1));
    fields.put("csp", page.header("Content-Security-Policy"));
    return fields;
  }

  /** Step 3: the browser posts the proof to the runtime host, with its nonce cookie. */
  static TestClient.Response post(String conversation, String proof, String back, String nonce) throws Exception {
    String form = "proof=" + URLEncoder.encode(proof, StandardCharsets.UTF_8) + "&return="
        + URLEncoder.encode(back, StandardCharsets.UTF_8);
    MultiMap headers = viaCdn(host(conversation)).set("Content-Type", "application/x-www-form-urlencoded")
        .set("Content-Length", Integer.toString(form.length()));
    if (nonce != null) {
      headers.set("Cookie", RuntimeHandshake.NONCE_COOKIE + "=" + nonce);
    }
    return client.send(HttpMethod.POST, RuntimeHandshake.SESSION_PATH, headers, Buffer.buffer(form));
  }

  /** The whole handshake for {@code user} on {@code conversation}'s host; returns the session cookie's value. */
  static String session(String conversation, String user) throws Exception {
    String[] begun = beginAt(conversation, "/");
    Map<String, String> form = proofPage(begun[1], user);
    TestClient.Response done = post(conversation, form.get("proof"), form.get("return"), begun[0]);
    assertEquals(303, done.status(), done.body());
    return cookieValue(done, RuntimeHandshake.SESSION_COOKIE);
  }

  @Test
  void row23_navigationWithoutSession_goesToSignIn_withAHostOnlyNonce_scriptsAndSocketsGet401() throws Exception {
    drain();
    TestClient.Response redirect = client.get("/app?x=1", navigation(OWNED));
    assertEquals(302, redirect.status());
    String location = redirect.header("Location");
    assertTrue(location.startsWith(SIGN_IN + "?return="), location);
    URI uri = URI.create(location);
    String query = uri.getRawQuery();
    assertEquals("https://" + host(OWNED) + "/app?x=1",
        URLDecoder.decode(query.substring(7, query.indexOf("&nonce=")), StandardCharsets.UTF_8));
    String nonce = setCookie(redirect, RuntimeHandshake.NONCE_COOKIE);
    assertTrue(nonce.matches(RuntimeHandshake.NONCE_COOKIE + "=[A-Za-z0-9_-]{32}; Path=/; Secure; HttpOnly; "
        + "SameSite=None; Max-Age=300"), nonce);
    assertTrue(query.endsWith("&nonce=" + cookieValue(redirect, RuntimeHandshake.NONCE_COOKIE)));
    assertEquals("SAMEORIGIN", redirect.header("X-Frame-Options"));
    assertEquals(401, client.get("/api", viaCdn(host(OWNED)).set("Sec-Fetch-Mode", "cors")).status());
    assertEquals(401, client.get("/ws", viaCdn(host(OWNED)).set("Upgrade", "websocket").set("Connection", "Upgrade")
        .set("Sec-WebSocket-Version", "13").set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")).status());
    assertFalse(sandbox.anyReceived());
  }

  @Test
  void handshake_setsAHostOnlySession_neverForwarded_thenTheOwnerGetsIn_asTheSessionsUser() throws Exception {
    drain();
    String[] begun = beginAt(OWNED, "/page?q=2");
    Map<String, String> form = proofPage(begun[1], "user-a");
    assertEquals("https://" + host(OWNED) + RuntimeHandshake.SESSION_PATH, form.get("action"));
    assertEquals("/page?q=2", form.get("return"));
    assertTrue(form.get("csp").contains("form-action https://" + host(OWNED)), form.get("csp"));
    TestClient.Response done = post(OWNED, form.get("proof"), form.get("return"), begun[0]);
    assertEquals(303, done.status(), done.body());
    assertEquals("/page?q=2", done.header("Location"));
    String cookie = setCookie(done, RuntimeHandshake.SESSION_COOKIE);
    assertTrue(cookie.matches(RuntimeHandshake.SESSION_COOKIE + "=[^;]+; Path=/; Secure; HttpOnly; SameSite=Lax; "
        + "Max-Age=\\d+"), cookie);
    assertFalse(sandbox.anyReceived(), "the reserved path never reaches the sandbox");

    String session = cookieValue(done, RuntimeHandshake.SESSION_COOKIE);
    TestClient.Response page = client.get("/page", viaCdn(host(OWNED)).set("X-Cognito-User-Id", "admin")
        .set("Cookie", RuntimeHandshake.SESSION_COOKIE + "=" + session + "; theme=dark"));
    assertEquals(200, page.status());
    MultiMap got = sandbox.next().headers();
    assertEquals("user-a", got.get("X-Cognito-User-Id"));
    assertEquals("theme=dark", got.get("Cookie"), "the session cookie is stripped before forwarding");
  }

  @Test
  void proofs_areSingleUse_boundToTheNonceCookie_andToOneHost() throws Exception {
    String[] begun = beginAt(OWNED, "/");
    Map<String, String> form = proofPage(begun[1], "user-a");
    assertEquals(400, post(OWNED, form.get("proof"), "/", null).status(), "no nonce cookie");
    assertEquals(400, post(OWNED, form.get("proof"), "/", "another-nonce-0123456789abcdefgh").status());
    assertEquals(400, post(OTHER, form.get("proof"), "/", begun[0]).status(), "a proof for another host");
    assertEquals(303, post(OWNED, form.get("proof"), "/", begun[0]).status());
    assertEquals(400, post(OWNED, form.get("proof"), "/", begun[0]).status(), "replayed");
    String forged = form.get("proof").substring(0, form.get("proof").length() - 4) + "AAAA";
    String[] again = beginAt(OWNED, "/");
    assertEquals(400, post(OWNED, forged, "/", again[0]).status(), "a forged signature");
  }

  @Test
  void aSessionOfAnotherRuntimeHost_isNotAccepted_andAnotherUsersSessionIs403() throws Exception {
    drain();
    String other = session(OTHER, "user-a");
    TestClient.Response moved = client.get("/", navigation(OWNED)
        .set("Cookie", RuntimeHandshake.SESSION_COOKIE + "=" + other));
    assertEquals(302, moved.status(), "a session names its host: sign in again here");
    String stranger = session(OWNED, "user-b");
    assertEquals(403, client.get("/", viaCdn(host(OWNED))
        .set("Cookie", RuntimeHandshake.SESSION_COOKIE + "=" + stranger)).status());
    assertFalse(sandbox.anyReceived());
  }

  @Test
  void signInUrl_refusesReturnsThatAreNotRuntimeHostsOfThisDeployment_andNeedsASignedInUser() throws Exception {
    String token = IdTokenVerifier.COOKIE + "=" + cognito.idToken("user-a", "key-1");
    for (String target : List.of("https://evil.com/", "https://" + MAIN + "/", "https://5000-" + OWNED
        + ".runtime.evil.com/", "https://user@" + host(OWNED) + "/", "javascript:alert(1)", "/relative")) {
      TestClient.Response page = client.get("/_login?return=" + URLEncoder.encode(target, StandardCharsets.UTF_8)
          + "&nonce=abcdefgh", viaCdn(MAIN).set("Cookie", token));
      assertEquals(400, page.status(), target);
    }
    TestClient.Response anonymous = client.get("/_login?return=" + URLEncoder.encode("https://" + host(OWNED) + "/",
        StandardCharsets.UTF_8) + "&nonce=abcdefgh", viaCdn(MAIN));
    assertEquals(401, anonymous.status());
  }

  @Test
  void reservedPath_takesOnlyASmallFormPost() throws Exception {
    assertEquals(405, client.get(RuntimeHandshake.SESSION_PATH, viaCdn(host(OWNED))).status());
    String big = "proof=" + "x".repeat(9000);
    assertEquals(400, client.send(HttpMethod.POST, RuntimeHandshake.SESSION_PATH, viaCdn(host(OWNED))
        .set("Content-Type", "application/x-www-form-urlencoded"), Buffer.buffer(big)).status());
    assertFalse(sandbox.anyReceived());
  }

  @Test
  void runtimeSessions_unitRules() {
    RuntimeSessions sessions = new RuntimeSessions(List.of("k".repeat(32)), java.time.Clock.systemUTC());
    String proof = sessions.proof("user-a", "h.example", "n0nce");
    assertNotNull(sessions.readProof(proof, "h.example").orElse(null));
    assertNull(sessions.readSession(proof, "h.example").orElse(null), "a proof is not a session");
    assertNull(sessions.readProof(proof, "other.example").orElse(null));
    RuntimeSessions rotated = new RuntimeSessions(List.of("n".repeat(32), "k".repeat(32)), java.time.Clock.systemUTC());
    assertNotNull(rotated.readProof(proof, "h.example").orElse(null), "the old key still reads during rotation");
    assertNull(new RuntimeSessions(List.of("n".repeat(32)), java.time.Clock.systemUTC())
        .readProof(proof, "h.example").orElse(null));
    assertEquals("/", RuntimeHandshake.safePath("//evil.com"));
    assertEquals("/", RuntimeHandshake.safePath("https://evil.com"));
    assertEquals("/", RuntimeHandshake.safePath("/\\evil.com"));
    assertEquals("/a?b=c", RuntimeHandshake.safePath("/a?b=c"));
  }
}
