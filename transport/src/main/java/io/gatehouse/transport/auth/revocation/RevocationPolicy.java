package io.gatehouse.transport.auth.revocation;

/** What to do when no valid OCSP answer is available for a certificate. */
public enum RevocationPolicy {
  /** Refuse the certificate (the default): an unreachable responder must not open the door. */
  FAIL_CLOSED,
  /** Admit the certificate and report a warning for the audit log. Revoked is still refused. */
  SOFT_FAIL
}
