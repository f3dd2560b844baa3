package dev.openhands.runtime.gateway.security;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static dev.openhands.runtime.gateway.testkit.TestClient.viaCdn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openhands.runtime.gateway.testkit.FakeCognito;
import dev.openhands.runtime.gateway.testkit.GatewayFixture;
import dev.openhands.runtime.gateway.testkit.GatewayUnderTest;
import dev.openhands.runtime.gateway.testkit.RecordingSandbox;
import dev.openhands.runtime.gateway.testkit.TestClient;
import io.vertx.core.MultiMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Row 7 end to end with COGNITO_ISSUER set: the gateway verifies the main host's {@code __Host-id_token} cookies
 * itself (the path form {@code /runtime/{convId}/{port}} on the app's host); a runtime host never takes an id token.
 */
@Timeout(60)
class VerifiedOwnershipTest {

  static final String OWNED = "0123456789abcdef0123456789abcdef";
  static final String WARM_POOL = "fedcba9876543210fedcba9876543210";
  static final String PENDING = "00000000000000000000000000000021";

  static GatewayFixture fixture;
  static FakeCognito cognito;
  static RecordingSandbox sandbox;
  static GatewayUnderTest gateway;
  static TestClient client;

  @BeforeAll
  static void start() throws Exception {
    fixture = GatewayFixture.start("sandboxes-identity");
    fixture.table().putRunning(OWNED, "user-a");
    fixture.table().putRunning(WARM_POOL, "anonymous");
    fixture.table().putRunningOwnerPending(PENDING);
    cognito = await(new FakeCognito(fixture.vertx()).start());
    cognito.publish("key-1");
    sandbox = fixture.recording();
    gateway = fixture.gateway(Map.of("RUNTIME_AUTH", "owner",
        "COGNITO_ISSUER", cognito.issuer(), "COGNITO_CLIENT_ID", FakeCognito.CLIENT_ID));
    client = fixture.client(gateway);
  }

  @AfterAll
  static void stop() throws Exception {
    fixture.close();
  }

  static final String MAIN_HOST = "openhands.example.com";

  static MultiMap request(String conversation) {
    return viaCdn(MAIN_HOST);
  }

  static String path(String conversation) {
    return "/runtime/" + conversation + "/" + sandbox.port() + "/";
  }

  static String cookie(String token) {
    return IdTokenVerifier.COOKIE + "=" + token;
  }

  static void drain() throws InterruptedException {
    while (sandbox.anyReceived()) {
      sandbox.next();
    }
  }

  @Test
  void row07_ownerWithAVerifiedToken_reachesTheSandbox_asTheVerifiedSubject() throws Exception {
    drain();
    MultiMap headers = request(OWNED)
        .set("Cookie", IdTokenVerifier.COOKIE + "=" + cognito.idToken("user-a", "key-1") + "; theme=dark")
        .set("X-Cognito-User-Id", "someone-else");
    assertEquals(200, client.get(path(OWNED), headers).status());
    MultiMap got = sandbox.next().headers();
    assertEquals("user-a", got.get("X-Cognito-User-Id"));
    assertEquals("theme=dark", got.get("Cookie"));
  }

  @Test
  void row07_anotherUsersToken_orAHeaderAlone_orNoToken_is403() throws Exception {
    drain();
    assertEquals(403, client.get(path(OWNED), request(OWNED)
        .set("Cookie", IdTokenVerifier.COOKIE + "=" + cognito.idToken("user-b", "key-1"))).status());
    assertEquals(403, client.get(path(OWNED), request(OWNED).set("X-Cognito-User-Id", "user-a")).status());
    assertEquals(403, client.get(path(OWNED), request(OWNED)).status());
    assertEquals(403, client.get(path(OWNED), request(OWNED).set("Cookie", IdTokenVerifier.COOKIE + "=forged.token.value"))
        .status());
    assertEquals(403, client.get(path(OWNED), request(OWNED).set("Cookie", "id_token=" + cognito.idToken("user-a", "key-1")))
        .status(), "the old cookie name, which a runtime host could toss, is no identity");
    assertFalse(sandbox.anyReceived());
  }

  @Test
  void row07_unownedWarmPoolSandbox_isOpenToAnySignedInUser() throws Exception {
    assertEquals(200, client.get(path(WARM_POOL), request(WARM_POOL)
        .set("Cookie", IdTokenVerifier.COOKIE + "=" + cognito.idToken("user-c", "key-1"))).status());
    assertEquals(403, client.get(path(WARM_POOL), request(WARM_POOL)).status());
  }

  @Test
  void row07_severalIdTokenCookies_invalidSkipped_twoUsersNeitherWins() throws Exception {
    String otherPool = cognito.sign(cognito.claims("user-a").withIssuer("https://cognito-idp/another-pool"), "key-1");
    MultiMap headers = request(OWNED)
        .add("Cookie", IdTokenVerifier.COOKIE + "=" + otherPool)
        .add("Cookie", IdTokenVerifier.COOKIE + "=" + cognito.idToken("user-a", "key-1"));
    assertEquals(200, client.get(path(OWNED), headers).status());
    MultiMap planted = request(WARM_POOL)
        .add("Cookie", IdTokenVerifier.COOKIE + "=" + cognito.idToken("attacker", "key-1"))
        .add("Cookie", IdTokenVerifier.COOKIE + "=" + cognito.idToken("user-a", "key-1"));
    assertEquals(403, client.get(path(WARM_POOL), planted).status(), "two users in one request: nobody");
  }

  @Test
  void row07_anIdTokenOnARuntimeHost_isNoIdentity_codeThereCouldHaveSetIt() throws Exception {
    drain();
    MultiMap headers = viaCdn(fixture.runtimeHost(OWNED))
        .set("Cookie", IdTokenVerifier.COOKIE + "=" + cognito.idToken("user-a", "key-1"));
    assertEquals(403, client.get("/", headers).status());
    assertFalse(sandbox.anyReceived());
  }

  @Test
  void row21_ownerPending_nobodyGetsIn_untilTheOwnerIsRecorded() throws Exception {
    drain();
    String token = cognito.idToken("user-a", "key-1");
    TestClient.Response api = client.get(path(PENDING), request(PENDING).set("Cookie", IdTokenVerifier.COOKIE + "=" + token));
    assertEquals(503, api.status());
    assertEquals("2", api.headers().get("Retry-After"));
    assertEquals("no-store", api.headers().get("Cache-Control"));
    TestClient.Response page = client.get(path(PENDING), request(PENDING).set("Sec-Fetch-Mode", "navigate"));
    assertEquals(503, page.status());
    assertTrue(page.body().contains("http-equiv=\"refresh\" content=\"2\""), page.body());
    assertEquals("SAMEORIGIN", page.headers().get("X-Frame-Options"));
    assertFalse(sandbox.anyReceived());

    fixture.table().recordOwner(PENDING, "user-a");
    // A pending route is cached for ROUTE_NEGATIVE_TTL (2 s), not ROUTE_REFRESH (10 s): open within seconds.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
    int status;
    do {
      Thread.sleep(200);
      status = client.get(path(PENDING), request(PENDING).set("Cookie", IdTokenVerifier.COOKIE + "=" + token)).status();
    } while (status == 503 && System.nanoTime() < deadline);
    assertEquals(200, status);
    assertEquals(403, client.get(path(PENDING), request(PENDING)
        .set("Cookie", IdTokenVerifier.COOKIE + "=" + cognito.idToken("user-b", "key-1"))).status());
  }

  @Test
  void row13_idTokenNeverReachesTheSandbox() throws Exception {
    drain();
    client.get(path(OWNED), request(OWNED).set("Cookie", IdTokenVerifier.COOKIE + "=" + cognito.idToken("user-a", "key-1")));
    assertNull(sandbox.next().headers().get("Cookie"));
  }
}
