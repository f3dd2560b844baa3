package dev.openhands.runtime.gateway.console;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The console's CSRF tokens: an HMAC of the user and the day, so that every gateway task issues and accepts the same
 * token (the key is the runtime session key when there is one) without storing any. A token is accepted on its day
 * and the next. A cross-site page cannot read it: the API that hands it out answers only same-origin reads.
 */
public final class CsrfTokens {

  private static final long SECONDS_PER_DAY = 86_400;

  private final SecretKeySpec key;
  private final Clock clock;

  /** @param secret the key, or {@code null} for a random one (one gateway task, as in local mode) */
  public CsrfTokens(String secret, Clock clock) {
    byte[] bytes = secret != null ? ("console-csrf|" + secret).getBytes(StandardCharsets.UTF_8) : random();
    this.key = new SecretKeySpec(bytes, "HmacSHA256");
    this.clock = clock;
  }

  String issue(String userId) {
    return token(userId, today());
  }

  boolean accepts(String userId, String token) {
    if (token == null) {
      return false;
    }
    long today = today();
    byte[] given = token.getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(given, token(userId, today).getBytes(StandardCharsets.US_ASCII))
        | MessageDigest.isEqual(given, token(userId, today - 1).getBytes(StandardCharsets.US_ASCII));
  }

  private long today() {
    return clock.instant().getEpochSecond() / SECONDS_PER_DAY;
  }

  private String token(String userId, long day) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      byte[] digest = mac.doFinal((userId + "|" + day).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static byte[] random() {
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
