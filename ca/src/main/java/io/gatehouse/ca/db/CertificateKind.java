package io.gatehouse.ca.db;

import java.util.Locale;

/** What an issued certificate is for; stored by its lowercase name. */
public enum CertificateKind {
  CLIENT,
  SERVER,
  OCSP_SIGNING;

  /** The stored and printed name ({@code client}, {@code server}, {@code ocsp-signing}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Inverse of {@link #label()}. */
  public static CertificateKind fromLabel(String label) {
    return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
  }
}
