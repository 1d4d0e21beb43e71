package io.gatehouse.transport.auth.revocation;

import java.time.Instant;

/**
 * What one OCSP exchange produced, before any policy or caching: a response verified against the
 * validated issuer, or a typed failure. {@link RevocationChecker} decides how long either counts
 * and whether a failure admits (soft-fail) or refuses (fail-closed).
 */
sealed interface OcspResult {
  /** Why no verified response came back. */
  enum Problem {
    /** Neither the certificate (AIA) nor the configuration names a responder. */
    NO_RESPONDER,
    /** The responder could not be reached, was too slow, or sent too much. */
    TRANSPORT,
    /** The responder answered with an HTTP status other than 200. */
    HTTP_STATUS,
    /** Not a parseable successful basic OCSP response. */
    MALFORMED,
    /** Not signed by the issuer or a responder it delegated (id-kp-OCSPSigning). */
    UNAUTHORIZED_SIGNER,
    /** The request nonce was not echoed. */
    NONCE_MISMATCH,
    /** No single response for exactly the asked CertID. */
    WRONG_CERTIFICATE,
    /** thisUpdate in the future or nextUpdate past. */
    NOT_FRESH,
    /** The responder does not know the certificate (status unknown). */
    UNKNOWN_CERTIFICATE,
    /** The checker was closed. */
    CLOSED
  }

  /**
   * A verified, fresh response for the asked certificate.
   *
   * @param decision GOOD or REVOKED (never unavailable)
   * @param validUntil the response's nextUpdate, or a short validity when it has none
   */
  record Verified(RevocationDecision decision, Instant validUntil) implements OcspResult {}

  /** No usable response; {@code detail} is one line for the audit log, without response bytes. */
  record Failed(Problem problem, String detail) implements OcspResult {}
}
