package io.gatehouse.ca.authority;

import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.StoreException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;

/**
 * Checks a certificate a client presented over mutual TLS against this CA: signed by the issuing
 * key, valid now, recorded in the store byte for byte, not revoked. The store is the CA's own
 * record, so no OCSP round trip is needed. Used by EST re-enrollment and the OAuth token endpoint.
 */
public final class PresentedCertificates {
  private PresentedCertificates() {}

  /** The certificate was refused; the message is one printable line for the client. */
  public static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Returns the store's record of {@code certificate}.
   *
   * @throws Refused when it is not this CA's, expired or not yet valid, unknown, or revoked
   * @throws StoreException when the store cannot be read
   */
  public static CertificateRecord check(CertificateAuthority ca, X509Certificate certificate, Instant now)
      throws Refused, StoreException {
    String serial = certificate.getSerialNumber().toString(16);
    try {
      certificate.verify(ca.issuerCertificate().getPublicKey());
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new Refused("the client certificate was not issued by this CA");
    }
    if (now.isAfter(certificate.getNotAfter().toInstant()) || now.isBefore(certificate.getNotBefore().toInstant())) {
      throw new Refused("the client certificate " + serial + " is expired or not yet valid"
          + " (notAfter " + certificate.getNotAfter().toInstant() + ")");
    }
    CertificateRecord record = ca.store().find(certificate.getSerialNumber()).orElse(null);
    byte[] der;
    try {
      der = certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new Refused("the client certificate cannot be encoded");
    }
    if (record == null || !Arrays.equals(record.der(), der)) {
      throw new Refused("the client certificate " + serial + " is unknown to this CA's store");
    }
    if (record.revokedAt() != null) {
      throw new Refused("the client certificate " + serial + " is revoked (" + record.revocationReason() + ")");
    }
    return record;
  }
}
