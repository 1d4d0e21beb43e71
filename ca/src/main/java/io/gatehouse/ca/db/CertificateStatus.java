package io.gatehouse.ca.db;

import java.util.Locale;

/** Status of an issued certificate at a given instant. Revoked wins over expired. */
public enum CertificateStatus {
  VALID,
  REVOKED,
  EXPIRED;

  /** The lowercase name used by {@code ca list --status} and its output. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
