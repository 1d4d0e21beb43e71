package io.gatehouse.ca.db;

/** A serial is already in the store; serials are never reused, so the caller must draw a new one. */
public final class DuplicateSerialException extends StoreException {
  private static final long serialVersionUID = 1L;

  public DuplicateSerialException(String serialHex) {
    super("serial " + serialHex + " is already in the store");
  }
}
