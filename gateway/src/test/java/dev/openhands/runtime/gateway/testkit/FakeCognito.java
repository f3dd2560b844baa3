package dev.openhands.runtime.gateway.testkit;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Cognito user pool's issuer on 127.0.0.1, serving its documented wire format: the JWKS at
 * {@code {issuer}/.well-known/jwks.json}. Keys are RSA pairs generated here; {@link #idToken} signs tokens
 * the way Cognito does (RS256, {@code kid}, {@code token_use=id}). Counts JWKS fetches, and can be told to
 * fail them.
 */
public final class FakeCognito {

  public static final String POOL = "us-east-1_TestPool";
  public static final String CLIENT_ID = "test-app-client";

  private final Vertx vertx;
  private final Map<String, KeyPair> published = new LinkedHashMap<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private volatile boolean down;
  private HttpServer server;

  public FakeCognito(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<FakeCognito> start() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(request -> {
          if (!request.path().equals("/" + POOL + "/.well-known/jwks.json")) {
            request.response().setStatusCode(404).end();
            return;
          }
          fetches.incrementAndGet();
          if (down) {
            request.response().setStatusCode(503).end("down");
            return;
          }
          request.response().putHeader("Content-Type", "application/json").end(jwks().encode());
        });
    return server.listen().map(this);
  }

  public String issuer() {
    return "http://127.0.0.1:" + server.actualPort() + "/" + POOL;
  }

  public int fetches() {
    return fetches.get();
  }

  public void down(boolean down) {
    this.down = down;
  }

  /** Generates a key pair and publishes its public half under {@code kid}. */
  public synchronized KeyPair publish(String kid) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair pair = generator.generateKeyPair();
    published.put(kid, pair);
    return pair;
  }

  /** Generates a key pair that is never published. */
  public static KeyPair unpublishedKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  /** A builder for an id token as Cognito issues it, valid for an hour from now. */
  public JWTCreator.Builder claims(String subject) {
    Instant now = Instant.now();
    return JWT.create()
        .withIssuer(issuer())
        .withAudience(CLIENT_ID)
        .withSubject(subject)
        .withClaim("token_use", "id")
        .withClaim("email", subject + "@example.com")
        .withIssuedAt(now)
        .withExpiresAt(now.plusSeconds(3600));
  }

  /** Signs {@code claims} with the published key {@code kid}. */
  public synchronized String sign(JWTCreator.Builder claims, String kid) {
    KeyPair pair = published.get(kid);
    return claims.withKeyId(kid).sign(Algorithm.RSA256((RSAPublicKey) pair.getPublic(),
        (RSAPrivateKey) pair.getPrivate()));
  }

  /** A valid id token for {@code subject}, signed with {@code kid}. */
  public String idToken(String subject, String kid) {
    return sign(claims(subject), kid);
  }

  private synchronized JsonObject jwks() {
    JsonArray keys = new JsonArray();
    Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
    published.forEach((kid, pair) -> {
      RSAPublicKey key = (RSAPublicKey) pair.getPublic();
      keys.add(new JsonObject().put("kid", kid).put("kty", "RSA").put("alg", "RS256").put("use", "sig")
          .put("n", encoder.encodeToString(unsigned(key.getModulus().toByteArray())))
          .put("e", encoder.encodeToString(unsigned(key.getPublicExponent().toByteArray()))));
    });
    return new JsonObject().put("keys", keys);
  }

  private static byte[] unsigned(byte[] bytes) {
    if (bytes.length > 1 && bytes[0] == 0) {
      byte[] trimmed = new byte[bytes.length - 1];
      System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
      return trimmed;
    }
    return bytes;
  }

  /** The path of {@link #answersEdgeCallback}. */
  public static final String EDGE_CALLBACK = "/_test/sign-in";

  /**
   * For an app stand-in on the main host: answers {@code /_test/sign-in?token=} as the edge function's
   * {@code /_callback} does, with a host-only {@code __Host-id_token} cookie; {@code false} for any other path.
   */
  public static boolean answersEdgeCallback(io.vertx.core.http.HttpServerRequest request) {
    if (!request.path().equals(EDGE_CALLBACK)) {
      return false;
    }
    request.response().putHeader("Set-Cookie", dev.openhands.runtime.gateway.security.IdTokenVerifier.COOKIE + "="
        + request.getParam("token") + "; Path=/; Secure; HttpOnly; SameSite=Lax")
        .putHeader("Content-Type", "text/plain").end("signed in");
    return true;
  }
}
