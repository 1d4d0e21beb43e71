package io.gatehouse.transport.auth.apikey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The shape of an API key: {@code gh_<id>_<secret>}, where {@code id} is 16 lowercase hex
 * characters (64 random bits, public, shown by {@code apikey list}) and {@code secret} is 43
 * base64url characters (256 random bits). The id lets a key be found and revoked by name without
 * ever storing or showing the secret; the prefix makes leaked keys easy to grep for.
 *
 * <p>Stored hash: SHA-256 of the whole key string. A plain, unsalted hash is the right tool here:
 * the key is 256 bits of fresh randomness, so inverting its hash is as hard as guessing the key,
 * and neither a salt (keys are unique) nor a slow password KDF (nothing to stretch) would add
 * anything but per-request cost.
 */
final class ApiKeyFormat {
  static final String PREFIX = "gh_";
  static final Pattern KEY = Pattern.compile("gh_([0-9a-f]{16})_([A-Za-z0-9_-]{43})");
  static final Pattern ID = Pattern.compile("[0-9a-f]{16}");

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final HexFormat HEX = HexFormat.of();

  private ApiKeyFormat() {}

  /** A fresh key. */
  static String generate() {
    byte[] id = new byte[8];
    byte[] secret = new byte[32];
    RANDOM.nextBytes(id);
    RANDOM.nextBytes(secret);
    return PREFIX + HEX.formatHex(id) + "_"
        + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
  }

  /** The id inside a well-formed key, or null when {@code key} is not one. */
  static String idOf(String key) {
    Matcher m = KEY.matcher(key);
    return m.matches() ? m.group(1) : null;
  }

  static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  static byte[] unhex(String hex) {
    return HEX.parseHex(hex);
  }
}
