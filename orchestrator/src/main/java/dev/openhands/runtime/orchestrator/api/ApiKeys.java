package dev.openhands.runtime.orchestrator.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The {@code X-API-Key} check: the given value is compared with every accepted key (one, or two during rotation)
 * in time that depends on neither the key nor how much of it matched (digests of equal length, compared with
 * {@link MessageDigest#isEqual}, all keys every time).
 */
final class ApiKeys {

  static final String HEADER = "X-API-Key";

  private final List<byte[]> digests;

  ApiKeys(List<String> keys) {
    this.digests = keys.stream().map(ApiKeys::digest).toList();
  }

  boolean accepts(String given) {
    if (given == null) {
      return false;
    }
    byte[] candidate = digest(given);
    boolean accepted = false;
    for (byte[] key : digests) {
      accepted |= MessageDigest.isEqual(key, candidate);
    }
    return accepted;
  }

  private static byte[] digest(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
