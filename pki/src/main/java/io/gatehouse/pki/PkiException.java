package io.gatehouse.pki;

/**
 * A PEM or key-file operation failed for a reason the user can act on. The message is one line
 * that says what is wrong and what to do, and never contains key material or passphrases.
 */
public class PkiException extends Exception {
  private static final long serialVersionUID = 1L;

  public PkiException(String message) {
    super(message);
  }

  public PkiException(String message, Throwable cause) {
    super(message, cause);
  }
}
