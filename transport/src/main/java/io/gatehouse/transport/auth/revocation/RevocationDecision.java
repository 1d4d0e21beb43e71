package io.gatehouse.transport.auth.revocation;

import java.util.Objects;

/**
 * The revocation verdict for one certificate, already combined with the {@link RevocationPolicy}:
 * {@link #admitted()} is the only thing the pipeline needs to decide; {@link #status()} and {@link
 * #detail()} are for the audit log.
 */
public final class RevocationDecision {
  /** What the responder said, or that nothing usable was available. */
  public enum Status {
    /** A valid, fresh OCSP answer says the certificate is good. */
    GOOD,
    /** A valid, fresh OCSP answer says the certificate is revoked. */
    REVOKED,
    /** No valid answer: responder unreachable, slow, wrong, stale, or "unknown". */
    UNAVAILABLE
  }

  static final RevocationDecision GOOD = new RevocationDecision(Status.GOOD, true, "");

  private final Status status;
  private final boolean admitted;
  private final String detail;

  private RevocationDecision(Status status, boolean admitted, String detail) {
    this.status = status;
    this.admitted = admitted;
    this.detail = Objects.requireNonNull(detail);
  }

  static RevocationDecision revoked(String reason, java.time.Instant time) {
    return new RevocationDecision(Status.REVOKED, false, "revoked (" + reason + ") at " + time);
  }

  static RevocationDecision unavailable(String why, RevocationPolicy policy) {
    return new RevocationDecision(Status.UNAVAILABLE, policy == RevocationPolicy.SOFT_FAIL, why);
  }

  /** The responder's verdict, or {@link Status#UNAVAILABLE}. */
  public Status status() {
    return status;
  }

  /** True when the connection may proceed. */
  public boolean admitted() {
    return admitted;
  }

  /** True when the certificate was admitted without a valid answer (soft-fail): audit it. */
  public boolean isWarning() {
    return admitted && status == Status.UNAVAILABLE;
  }

  /** Why, in one line without secrets: revocation reason and time, or why no answer was usable. */
  public String detail() {
    return detail;
  }

  @Override
  public String toString() {
    return status + (admitted ? " admitted" : " refused") + (detail.isEmpty() ? "" : ": " + detail);
  }
}
