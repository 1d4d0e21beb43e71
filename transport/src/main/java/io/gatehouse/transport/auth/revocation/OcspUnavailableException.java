package io.gatehouse.transport.auth.revocation;

/** No usable OCSP answer; the message says why in one line and never carries response bytes. */
final class OcspUnavailableException extends Exception {
  OcspUnavailableException(String message) {
    super(message, null, false, false);
  }
}
