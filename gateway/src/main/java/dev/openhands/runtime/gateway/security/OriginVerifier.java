package dev.openhands.runtime.gateway.security;

import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * Checks the {@code X-Origin-Verify} header that CloudFront adds (behaviour table row 2). Comparison is
 * constant-time, and up to two secrets are accepted at once so that the secret can be rotated without
 * refusing traffic.
 */
public final class OriginVerifier {

  /** The header's name, hashed once for the lookup each request makes. */
  public static final AsciiString HEADER = AsciiString.cached("X-Origin-Verify");

  private final List<byte[]> secrets;
  private final boolean required;

  public OriginVerifier(List<String> secrets, boolean required) {
    this.secrets = secrets.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    this.required = required;
  }

  /** Whether requests without a valid header are refused. */
  public boolean required() {
    return required;
  }

  /** Whether {@code presented} equals one of the secrets. Every secret is compared, whatever matches. */
  public boolean verifies(String presented) {
    if (presented == null || secrets.isEmpty()) {
      return false;
    }
    byte[] candidate = presented.getBytes(StandardCharsets.UTF_8);
    boolean match = false;
    for (byte[] secret : secrets) {
      match |= MessageDigest.isEqual(secret, candidate);
    }
    return match;
  }
}
