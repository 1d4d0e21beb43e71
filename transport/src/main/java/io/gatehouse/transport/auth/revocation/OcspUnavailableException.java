package io.gatehouse.transport.auth.revocation;

/** No usable OCSP answer; the message says why in one line and never carries response bytes. */
final class OcspUnavailableException extends Exception {
  private final OcspResult.Problem problem;

  OcspUnavailableException(OcspResult.Problem problem, String message) {
    super(message, null, false, false);
    this.problem = problem;
  }

  OcspResult.Failed toResult() {
    return new OcspResult.Failed(problem, getMessage());
  }
}
