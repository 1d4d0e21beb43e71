package io.gatehouse.pki.identity;

/** A certificate, extension or name does not follow Gatehouse's identity profile. */
public final class IdentityFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  public IdentityFormatException(String message) {
    super(message);
  }

  public IdentityFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
