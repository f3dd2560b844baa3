package dev.openhands.runtime.gateway.security;

import static dev.openhands.runtime.gateway.testkit.TestClient.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.openhands.runtime.gateway.testkit.FakeCognito;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Row 7's token checks, against keys served from a loopback issuer. */
@Timeout(30)
class IdTokenVerifierTest {

  static Vertx vertx;
  static FakeCognito cognito;
  static Context context;
  static HttpClient client;

  final AtomicLong nanos = new AtomicLong(System.nanoTime());
  JwksKeys keys;
  IdTokenVerifier verifier;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    cognito = await(new FakeCognito(vertx).start());
    cognito.publish("key-1");
    context = vertx.getOrCreateContext();
    client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  @BeforeEach
  void verifier() {
    keys = new JwksKeys(client, cognito.issuer(), nanos::get);
    verifier = new IdTokenVerifier(cognito.issuer(), FakeCognito.CLIENT_ID, keys, Clock.systemUTC());
  }

  String subject(String... tokens) throws Exception {
    return await(onContext(() -> verifier.subject(List.of(tokens))));
  }

  static <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(promise));
    return promise.future();
  }

  @Test
  void validToken_givesItsSubject() throws Exception {
    assertEquals("user-a", subject(cognito.idToken("user-a", "key-1")));
  }

  @Test
  void expiredBeyondLeeway_isRejected_withinLeeway_isAccepted() throws Exception {
    Instant now = Instant.now();
    assertNull(subject(cognito.sign(cognito.claims("user-a").withExpiresAt(now.minusSeconds(120)), "key-1")));
    assertEquals("user-a", subject(cognito.sign(cognito.claims("user-a").withExpiresAt(now.minusSeconds(20)), "key-1")));
  }

  @Test
  void notYetValid_isRejected() throws Exception {
    assertNull(subject(cognito.sign(cognito.claims("user-a").withNotBefore(Instant.now().plusSeconds(600)), "key-1")));
  }

  @Test
  void wrongIssuerAudienceOrTokenUse_isRejected() throws Exception {
    assertNull(subject(cognito.sign(cognito.claims("user-a").withIssuer("https://evil.example/pool"), "key-1")));
    assertNull(subject(cognito.sign(cognito.claims("user-a").withAudience("another-client"), "key-1")));
    assertNull(subject(cognito.sign(cognito.claims("user-a").withClaim("token_use", "access"), "key-1")));
  }

  @Test
  void algNone_andHs256WithThePublicKey_areRejected() throws Exception {
    assertNull(subject(cognito.claims("user-a").withKeyId("key-1").sign(Algorithm.none())));
    RSAPublicKey published = (RSAPublicKey) cognito.publish("key-hs").getPublic();
    String hs = cognito.claims("user-a").withKeyId("key-hs").sign(Algorithm.HMAC256(published.getEncoded()));
    assertNull(subject(hs));
  }

  @Test
  void tamperedTruncatedOrGarbage_isRejected() throws Exception {
    String token = cognito.idToken("user-a", "key-1");
    String[] parts = token.split("\\.");
    String forgedPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(
        new String(Base64.getUrlDecoder().decode(parts[1])).replace("user-a", "user-b").getBytes());
    assertNull(subject(parts[0] + "." + forgedPayload + "." + parts[2]));
    assertNull(subject(token.substring(0, token.length() - 10)));
    assertNull(subject(parts[0] + "." + parts[1]));
    assertNull(subject("not-a-token"));
    assertNull(subject(""));
  }

  @Test
  void signedByAnUnpublishedKey_isRejected() throws Exception {
    KeyPair rogue = FakeCognito.unpublishedKey();
    String token = cognito.claims("user-a").withKeyId("key-1")
        .sign(Algorithm.RSA256((RSAPublicKey) rogue.getPublic(), (RSAPrivateKey) rogue.getPrivate()));
    assertNull(subject(token));
  }

  @Test
  void severalCookies_invalidOnesSkipped_validOnesOfOneUserAccepted() throws Exception {
    String stale = cognito.sign(cognito.claims("old").withExpiresAt(Instant.now().minusSeconds(3600)), "key-1");
    String otherPool = cognito.sign(cognito.claims("other").withIssuer("https://cognito-idp/other"), "key-1");
    assertEquals("user-a", subject(stale, otherPool, cognito.idToken("user-a", "key-1"), "garbage",
        cognito.idToken("user-a", "key-1")));
  }

  @Test
  void validTokensOfTwoUsers_nobodyWins() throws Exception {
    assertNull(subject(cognito.idToken("victim", "key-1"), cognito.idToken("attacker", "key-1")));
    assertNull(subject(cognito.idToken("attacker", "key-1"), cognito.idToken("victim", "key-1")));
  }

  @Test
  void unknownKid_refetchesAtMostOncePerMinute() throws Exception {
    assertEquals("user-a", subject(cognito.idToken("user-a", "key-1")));
    long fetchesBefore = keys.fetches();
    cognito.publish("rotated");
    for (int i = 0; i < 20; i++) {
      assertNull(subject(cognito.idToken("user-" + i, "rotated")), "not fetched yet, so not verifiable yet");
    }
    assertEquals(fetchesBefore, keys.fetches(), "a new kid within a minute of the last fetch is not fetched");
    nanos.addAndGet(Duration.ofSeconds(61).toNanos());
    assertEquals("user-x", subject(cognito.idToken("user-x", "rotated")));
    assertEquals(fetchesBefore + 1, keys.fetches());
    KeyPair rogue = FakeCognito.unpublishedKey();
    String unknownKid = cognito.claims("user-a").withKeyId("never-published")
        .sign(Algorithm.RSA256((RSAPublicKey) rogue.getPublic(), (RSAPrivateKey) rogue.getPrivate()));
    assertNull(subject(unknownKid));
    assertEquals(fetchesBefore + 1, keys.fetches());
  }

  @Test
  void issuerDown_withTheKeyUnknown_failsClosed() {
    JwksKeys fresh = new JwksKeys(client, cognito.issuer(), nanos::get);
    IdTokenVerifier downVerifier = new IdTokenVerifier(cognito.issuer(), FakeCognito.CLIENT_ID, fresh,
        Clock.systemUTC());
    cognito.down(true);
    try {
      assertThrows(ExecutionException.class,
          () -> await(onContext(() -> downVerifier.subject(List.of(cognito.idToken("user-a", "key-1"))))));
    } finally {
      cognito.down(false);
    }
  }

  @Test
  void verifiedToken_isRememberedUntilItExpires() throws Exception {
    String token = cognito.idToken("user-a", "key-1");
    assertEquals("user-a", subject(token));
    cognito.down(true);
    try {
      assertEquals("user-a", subject(token));
    } finally {
      cognito.down(false);
    }
    assertEquals("user-a", JWT.decode(token).getSubject());
  }
}
