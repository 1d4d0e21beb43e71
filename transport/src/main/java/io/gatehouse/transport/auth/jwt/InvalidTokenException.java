package io.gatehouse.transport.auth.jwt;

/** A token was refused; the message is a one-line, secret-free reason for the audit log. */
public final class InvalidTokenException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidTokenException(String reason) {
    super(reason, null, false, false);
  }

  /** Keeps attacker-chosen text in a reason printable, one line and short. */
  static String printable(Object value) {
    String s = String.valueOf(value);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length() && i < 64; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return s.length() > 64 ? out.append("...").toString() : out.toString();
  }
}
