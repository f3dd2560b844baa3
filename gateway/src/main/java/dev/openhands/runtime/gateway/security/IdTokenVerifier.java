package dev.openhands.runtime.gateway.security;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.vertx.core.Future;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * Verifies Cognito id tokens (behaviour table row 7, when {@code COGNITO_ISSUER} is set): RS256 only,
 * signed by a key of the issuer's JWKS, {@code iss} the issuer, {@code aud} the app client,
 * {@code token_use} {@code id}, not expired (with {@link #LEEWAY} for clock skew). Of several tokens
 * (several {@code __Host-id_token} cookies), every one is tried and all that verify must name the same user:
 * two users in one request mean one session was planted, and neither wins.
 *
 * <p>A verified token is remembered until it expires, so that each token costs one RSA verification, not
 * one per request.
 */
public final class IdTokenVerifier {

  /** The main host's session cookie, as the edge function sets it (a runtime host cannot set a {@code __Host-} one). */
  public static final String COOKIE = "__Host-id_token";
  /** The most tokens of one request that are tried. */
  private static final int MAX_TOKENS = 8;

  /** Clock skew accepted on {@code exp}, {@code nbf} and {@code iat}. */
  public static final Duration LEEWAY = Duration.ofSeconds(60);

  private final String issuer;
  private final String clientId;
  private final JwksKeys keys;
  private final Clock clock;
  private final Cache<String, Verified> verified;

  /** A verified token's subject and expiry. */
  private record Verified(String subject, long expiresAtEpochSecond) {}

  public IdTokenVerifier(String issuer, String clientId, JwksKeys keys, Clock clock) {
    this.issuer = issuer;
    this.clientId = clientId;
    this.keys = keys;
    this.clock = clock;
    this.verified = Caffeine.newBuilder()
        .maximumSize(100_000)
        .expireAfter(Expiry.<String, Verified>creating((token, v) ->
            Duration.ofSeconds(Math.max(0, v.expiresAtEpochSecond() + LEEWAY.toSeconds() - clock.instant().getEpochSecond()))))
        .executor(Runnable::run) // upkeep on the caller, not a pool thread woken every few requests (RouteCache)
        .build();
  }

  /**
   * The user the tokens name: the subject of the tokens that verify, when they all name the same one; {@code null}
   * when none verifies or they disagree. Fails only when no token verified and keys that one needed could not be
   * fetched.
   */
  public Future<String> subject(List<String> tokens) {
    return unanimous(tokens.subList(0, Math.min(tokens.size(), MAX_TOKENS)), 0, null, null);
  }

  private Future<String> unanimous(List<String> tokens, int index, String chosen, Throwable fetchFailure) {
    if (index >= tokens.size()) {
      return chosen == null && fetchFailure != null ? Future.failedFuture(fetchFailure) : Future.succeededFuture(chosen);
    }
    return verified(tokens.get(index)).transform(ar -> {
      if (ar.failed()) {
        return unanimous(tokens, index + 1, chosen, ar.cause());
      }
      String subject = ar.result();
      if (subject != null && chosen != null && !chosen.equals(subject)) {
        return Future.succeededFuture(null);
      }
      return unanimous(tokens, index + 1, chosen != null ? chosen : subject, fetchFailure);
    });
  }

  /** The subject of one token, or {@code null} when it does not verify. */
  private Future<String> verified(String token) {
    Verified known = verified.getIfPresent(token);
    if (known != null && known.expiresAtEpochSecond() + LEEWAY.toSeconds() > clock.instant().getEpochSecond()) {
      return Future.succeededFuture(known.subject());
    }
    DecodedJWT decoded;
    try {
      decoded = JWT.decode(token);
    } catch (JWTDecodeException e) {
      return Future.succeededFuture(null);
    }
    if (!"RS256".equals(decoded.getAlgorithm()) || decoded.getKeyId() == null) {
      return Future.succeededFuture(null);
    }
    return keys.key(decoded.getKeyId()).map(key -> key == null ? null : verify(token, key));
  }

  private String verify(String token, RSAPublicKey key) {
    JWTVerifier verifier = ((JWTVerifier.BaseVerification) JWT.require(Algorithm.RSA256(key, null))
        .withIssuer(issuer)
        .withAudience(clientId)
        .withClaim("token_use", "id")
        .withClaimPresence("sub")
        .acceptLeeway(LEEWAY.toSeconds()))
        .build(clock);
    try {
      DecodedJWT jwt = verifier.verify(token);
      if (jwt.getExpiresAtAsInstant() == null) {
        return null;
      }
      verified.put(token, new Verified(jwt.getSubject(), jwt.getExpiresAtAsInstant().getEpochSecond()));
      return jwt.getSubject();
    } catch (JWTVerificationException e) {
      return null;
    }
  }
}
