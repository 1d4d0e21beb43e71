package io.gatehouse.ca.db;

import io.gatehouse.ca.InvalidRequestException;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * RFC 5280 CRLReason codes a Gatehouse revocation may carry, named as in the RFC. Holds
 * ({@code certificateHold}, {@code removeFromCRL}) are deliberately absent: revocation is final.
 */
public enum RevocationReason {
  UNSPECIFIED("unspecified", 0),
  KEY_COMPROMISE("keyCompromise", 1),
  CA_COMPROMISE("cACompromise", 2),
  AFFILIATION_CHANGED("affiliationChanged", 3),
  SUPERSEDED("superseded", 4),
  CESSATION_OF_OPERATION("cessationOfOperation", 5),
  PRIVILEGE_WITHDRAWN("privilegeWithdrawn", 9),
  AA_COMPROMISE("aACompromise", 10);

  private final String rfcName;
  private final int code;

  RevocationReason(String rfcName, int code) {
    this.rfcName = rfcName;
    this.code = code;
  }

  /** The RFC 5280 name, as accepted by {@code --reason}. */
  public String rfcName() {
    return rfcName;
  }

  /** The CRLReason code. */
  public int code() {
    return code;
  }

  /** Parses an RFC name (case-insensitive). */
  public static RevocationReason parse(String name) throws InvalidRequestException {
    for (RevocationReason reason : values()) {
      if (reason.rfcName.equalsIgnoreCase(name)) {
        return reason;
      }
    }
    throw new InvalidRequestException("unknown revocation reason '" + name + "': use one of "
        + Arrays.stream(values()).map(RevocationReason::rfcName).collect(Collectors.joining(", ")));
  }

  /** The reason with CRLReason {@code code}. */
  public static RevocationReason fromCode(int code) {
    for (RevocationReason reason : values()) {
      if (reason.code == code) {
        return reason;
      }
    }
    throw new IllegalArgumentException("unsupported CRLReason code " + code);
  }

  @Override
  public String toString() {
    return rfcName;
  }
}
