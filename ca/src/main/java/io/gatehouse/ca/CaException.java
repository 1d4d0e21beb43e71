package io.gatehouse.ca;

/**
 * A CA operation failed for a reason the user can act on. The message is one line that says what
 * is wrong and what to do, and never contains key material or passphrases.
 */
public class CaException extends Exception {
  private static final long serialVersionUID = 1L;

  public CaException(String message) {
    super(message);
  }

  public CaException(String message, Throwable cause) {
    super(message, cause);
  }
}
