package dev.tokenmeter.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks {@code Authorization: Bearer <token>} in constant time: both sides are hashed to
 * fixed-length digests first, so neither the comparison nor its length leaks the token. The
 * token itself is never logged or printed.
 */
final class BearerToken {

  private static final String PREFIX = "bearer ";

  private final byte[] digest;

  BearerToken(String token) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the API token must not be empty");
    }
    this.digest = sha256(token.strip());
  }

  boolean matches(String authorizationHeader) {
    if (authorizationHeader == null || authorizationHeader.length() < PREFIX.length()
        || !authorizationHeader.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      // Still hash something, so a missing header costs the same as a wrong one.
      MessageDigest.isEqual(digest, sha256(""));
      return false;
    }
    return MessageDigest.isEqual(digest, sha256(authorizationHeader.substring(PREFIX.length()).strip()));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }

  @Override
  public String toString() {
    return "BearerToken[****]";
  }
}
