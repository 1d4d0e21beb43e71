package io.gatehouse.ca.db;

import io.gatehouse.ca.CaException;

/** The certificate store failed or refused an operation; nothing was half-committed. */
public class StoreException extends CaException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message) {
    super(message);
  }

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
