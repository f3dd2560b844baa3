package dev.openhands.runtime.gateway.security;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The issuer's RSA signing keys, by {@code kid}, from {@code {issuer}/.well-known/jwks.json}.
 *
 * <p>Guarantees: a known {@code kid} is answered from memory; an unknown one causes at most one fetch of
 * the key set per {@link #REFETCH_INTERVAL} (concurrent askers share that fetch); a failed fetch keeps the
 * keys already known. Keys are built from the JWK's modulus and exponent with the JDK's {@link KeyFactory};
 * only {@code RSA} keys meant for signatures are taken.
 */
public final class JwksKeys {

  /** Least time between two fetches of the key set. */
  public static final Duration REFETCH_INTERVAL = Duration.ofMinutes(1);

  private static final Logger LOG = LoggerFactory.getLogger(JwksKeys.class);

  private final HttpClient client;
  private final URI jwksUri;
  private final LongSupplier nanoTime;
  private volatile Map<String, RSAPublicKey> keys = Map.of();
  private Future<Map<String, RSAPublicKey>> inFlight;
  private long lastFetchNanos;
  private boolean fetchedOnce;
  private long fetches;

  public JwksKeys(HttpClient client, String issuer, LongSupplier nanoTime) {
    this.client = client;
    this.jwksUri = URI.create(issuer.endsWith("/") ? issuer + ".well-known/jwks.json" : issuer + "/.well-known/jwks.json");
    this.nanoTime = nanoTime;
  }

  /**
   * The key for {@code kid}, or {@code null} when the issuer does not have it; fails when the key set could
   * not be fetched and the key is not known.
   */
  public Future<RSAPublicKey> key(String kid) {
    RSAPublicKey known = keys.get(kid);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return refetch().map(fetched -> fetched.get(kid));
  }

  /** Number of key-set fetches started. */
  public synchronized long fetches() {
    return fetches;
  }

  private synchronized Future<Map<String, RSAPublicKey>> refetch() {
    if (inFlight != null) {
      return inFlight;
    }
    long now = nanoTime.getAsLong();
    if (fetchedOnce && now - lastFetchNanos < REFETCH_INTERVAL.toNanos()) {
      return Future.succeededFuture(keys);
    }
    fetchedOnce = true;
    lastFetchNanos = now;
    fetches++;
    Promise<Map<String, RSAPublicKey>> promise = Promise.promise();
    inFlight = promise.future();
    fetch().onComplete(ar -> {
      synchronized (this) {
        inFlight = null;
      }
      if (ar.succeeded()) {
        keys = ar.result();
        promise.complete(ar.result());
      } else {
        LOG.warn("cannot fetch signing keys from {}: {}", jwksUri, ar.cause().toString());
        promise.fail(ar.cause());
      }
    });
    return promise.future();
  }

  private Future<Map<String, RSAPublicKey>> fetch() {
    boolean https = "https".equalsIgnoreCase(jwksUri.getScheme());
    int port = jwksUri.getPort() > 0 ? jwksUri.getPort() : https ? 443 : 80;
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(jwksUri.getHost()).setPort(port)
        .setSsl(https).setURI(jwksUri.getRawPath()).setTimeout(5000);
    return client.request(options)
        .compose(request -> request.send())
        .compose(response -> response.statusCode() == 200
            ? response.body()
            : Future.failedFuture("status " + response.statusCode()))
        .map(JwksKeys::parse);
  }

  static Map<String, RSAPublicKey> parse(Buffer body) {
    JsonArray jwks = new JsonObject(body).getJsonArray("keys", new JsonArray());
    Map<String, RSAPublicKey> parsed = new HashMap<>();
    for (int i = 0; i < jwks.size(); i++) {
      JsonObject jwk = jwks.getJsonObject(i);
      String kid = jwk.getString("kid");
      boolean signing = jwk.getString("use") == null || "sig".equals(jwk.getString("use"));
      boolean rs256 = jwk.getString("alg") == null || "RS256".equals(jwk.getString("alg"));
      if (kid == null || !"RSA".equals(jwk.getString("kty")) || !signing || !rs256) {
        continue;
      }
      try {
        parsed.put(kid, rsaKey(jwk.getString("n"), jwk.getString("e")));
      } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
        LOG.warn("skipping unusable signing key {}: {}", kid, e.toString());
      }
    }
    return Map.copyOf(parsed);
  }

  private static RSAPublicKey rsaKey(String modulus, String exponent) throws GeneralSecurityException {
    Base64.Decoder decoder = Base64.getUrlDecoder();
    RSAPublicKeySpec spec = new RSAPublicKeySpec(new BigInteger(1, decoder.decode(modulus)),
        new BigInteger(1, decoder.decode(exponent)));
    return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(spec);
  }
}
