package io.gatehouse.transport.encoding;

/**
 * Canonical base64url (RFC 4648 §5, no padding): the one spelling of a byte string. The JDK's
 * decoder accepts a last character whose unused low bits are set, so one value has up to 16
 * spellings; where a string is compared or remembered as text (a closed session id, a token
 * cache key), a second spelling would be a second identity. Checking is done without decoding.
 */
public final class Base64Url {
  private Base64Url() {}

  /** Only the URL-safe alphabet, no padding, and zero unused bits (RFC 7515 §2, RFC 4648 §3.5). */
  public static boolean isCanonical(String s) {
    return isCanonical(s, 0, s.length());
  }

  /**
   * {@link #isCanonical(String)} for {@code s[from, to)}: a length of 1 mod 4 is never valid, and
   * the last character's unused low bits (4 of them after 2 chars of a quantum, 2 after 3) must be
   * zero.
   */
  public static boolean isCanonical(String s, int from, int to) {
    int last = 0;
    for (int i = from; i < to; i++) {
      last = sextet(s.charAt(i));
      if (last < 0) {
        return false;
      }
    }
    return switch ((to - from) % 4) {
      case 1 -> false;
      case 2 -> (last & 0x0F) == 0;
      case 3 -> (last & 0x03) == 0;
      default -> true;
    };
  }

  /** The 6-bit value of a base64url character, -1 for anything else. */
  private static int sextet(char c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
      return c - '0' + 52;
    }
    return c == '-' ? 62 : c == '_' ? 63 : -1;
  }
}
