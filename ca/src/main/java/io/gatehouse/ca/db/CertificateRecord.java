package io.gatehouse.ca.db;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;

/**
 * One issued certificate as the store knows it.
 *
 * @param serial the certificate serial (positive)
 * @param kind what it was issued for
 * @param subject the subject DN (RFC 4514 string)
 * @param roles roles in the certificate's roles extension (empty for server certificates)
 * @param notBefore start of validity
 * @param notAfter end of validity
 * @param issuedAt when the CA signed it
 * @param der the certificate's DER encoding
 * @param revokedAt when it was revoked, or null
 * @param revocationReason why, or null when not revoked
 */
public record CertificateRecord(
    BigInteger serial,
    CertificateKind kind,
    String subject,
    List<String> roles,
    Instant notBefore,
    Instant notAfter,
    Instant issuedAt,
    byte[] der,
    Instant revokedAt,
    RevocationReason revocationReason) {

  public CertificateRecord {
    roles = List.copyOf(roles);
    der = der.clone();
  }

  @Override
  public byte[] der() {
    return der.clone();
  }

  /** Lowercase hex serial, the form the CLI prints and accepts. */
  public String serialHex() {
    return serial.toString(16);
  }

  /**
   * Parses a serial in hex as {@code ca list} prints it, tolerating colons, spaces and a 0x prefix
   * as other tools print them (at most 160 bits, RFC 5280 4.1.2.2).
   */
  public static java.math.BigInteger parseSerial(String text) throws io.gatehouse.ca.InvalidRequestException {
    String hex = text.trim().toLowerCase(java.util.Locale.ROOT).replaceFirst("^0x", "").replaceAll("[:\\s]", "");
    if (hex.isEmpty() || hex.length() > 40 || !hex.matches("[0-9a-f]+")) {
      throw new io.gatehouse.ca.InvalidRequestException("invalid serial '" + text.replaceAll("[^\\x20-\\x7e]", "?")
          + "': give it in hex as 'ca list' prints it");
    }
    return new java.math.BigInteger(hex, 16);
  }

  /** Status at {@code now}: revoked, else expired after notAfter, else valid. */
  public CertificateStatus status(Instant now) {
    if (revokedAt != null) {
      return CertificateStatus.REVOKED;
    }
    return now.isAfter(notAfter) ? CertificateStatus.EXPIRED : CertificateStatus.VALID;
  }
}
