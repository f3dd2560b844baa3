package dev.openhands.runtime.gateway.security;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The runtime hosts' own sign-in, which code on a runtime host can neither forge nor take elsewhere. Two kinds of
 * value, each {@code base64url(fields) "." base64url(HMAC-SHA256)} under {@code RUNTIME_SESSION_SECRET}:
 *
 * <ul>
 *   <li>a <b>proof</b>, minted on the main host for one signed-in user and one runtime host, valid for
 *       {@link #PROOF_LIFETIME} and bound to the handshake nonce that runtime host set in the browser;
 *   <li>a <b>session</b>, the runtime host's host-only cookie, bound to that host and expiring with the sign-in.
 * </ul>
 *
 * A value names its kind, so that a proof cannot serve as a session or the reverse. Two secrets are accepted during
 * rotation; the first signs.
 */
public final class RuntimeSessions {

  /** How long a proof may take from the main host to the runtime host (one auto-submitted form). */
  public static final Duration PROOF_LIFETIME = Duration.ofSeconds(60);
  /** The longest a runtime session lasts, whatever the sign-in's own expiry. */
  public static final Duration MAX_SESSION = Duration.ofHours(12);
  private static final Pattern FIELD = Pattern.compile("[A-Za-z0-9@._:+-]{1,256}");
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private final List<SecretKeySpec> keys;
  private final Clock clock;

  /** What a valid proof says. */
  public record Proof(String subject, String nonce, long expiresAt) {}

  /** What a valid session says. */
  public record Session(String subject, long expiresAt) {}

  public RuntimeSessions(List<String> secrets, Clock clock) {
    if (secrets.isEmpty()) {
      throw new IllegalArgumentException("at least one secret");
    }
    this.keys = secrets.stream()
        .map(s -> new SecretKeySpec(s.getBytes(StandardCharsets.UTF_8), "HmacSHA256")).toList();
    this.clock = clock;
  }

  /** Whether {@code value} can stand in a proof or session (a user id, a host, a nonce). */
  public static boolean fit(String value) {
    return value != null && FIELD.matcher(value).matches();
  }

  /** A proof for {@code subject} to open {@code host}, tied to the browser's handshake {@code nonce}. */
  public String proof(String subject, String host, String nonce) {
    return sign("proof", subject, host, nonce, now() + PROOF_LIFETIME.toSeconds());
  }

  /** A session of {@code subject} on {@code host} until {@code expiresAt} (epoch seconds), at most {@link #MAX_SESSION}. */
  public String session(String subject, String host, long expiresAt) {
    return sign("session", subject, host, "-", Math.min(expiresAt, now() + MAX_SESSION.toSeconds()));
  }

  /** The proof's content, if it is one this gateway signed for {@code host} and it has not expired. */
  public Optional<Proof> readProof(String value, String host) {
    return read(value, "proof", host).map(f -> new Proof(f[2], f[4], Long.parseLong(f[5])));
  }

  /** The session's content, if it is one this gateway signed for {@code host} and it has not expired. */
  public Optional<Session> readSession(String value, String host) {
    return read(value, "session", host).map(f -> new Session(f[2], Long.parseLong(f[5])));
  }

  private String sign(String kind, String subject, String host, String nonce, long expiresAt) {
    for (String field : List.of(subject, host, nonce)) {
      if (!fit(field)) {
        throw new IllegalArgumentException("not fit for a " + kind + ": " + field);
      }
    }
    String payload = String.join("|", "v1", kind, subject, host.toLowerCase(java.util.Locale.ROOT), nonce,
        Long.toString(expiresAt));
    byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
    return ENCODER.encodeToString(bytes) + "." + ENCODER.encodeToString(mac(keys.get(0), bytes));
  }

  /** The fields of a valid value: v1, kind, subject, host, nonce, expiry. */
  private Optional<String[]> read(String value, String kind, String host) {
    if (value == null || value.length() > 2048) {
      return Optional.empty();
    }
    int dot = value.indexOf('.');
    if (dot <= 0 || dot != value.lastIndexOf('.')) {
      return Optional.empty();
    }
    byte[] payload;
    byte[] signature;
    try {
      payload = DECODER.decode(value.substring(0, dot));
      signature = DECODER.decode(value.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    boolean signed = false;
    for (SecretKeySpec key : keys) {
      signed |= MessageDigest.isEqual(mac(key, payload), signature);
    }
    if (!signed) {
      return Optional.empty();
    }
    String[] fields = new String(payload, StandardCharsets.UTF_8).split("\\|", -1);
    if (fields.length != 6 || !fields[0].equals("v1") || !fields[1].equals(kind)
        || !fields[3].equals(host.toLowerCase(java.util.Locale.ROOT))) {
      return Optional.empty();
    }
    long expiresAt;
    try {
      expiresAt = Long.parseLong(fields[5]);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return expiresAt > now() ? Optional.of(fields) : Optional.empty();
  }

  private long now() {
    return clock.instant().getEpochSecond();
  }

  private static byte[] mac(SecretKeySpec key, byte[] payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac.doFinal(payload);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}
