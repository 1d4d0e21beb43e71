package io.gatehouse.pki.identity;

import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Who a Gatehouse client certificate names: its SPIFFE ID, its roles and its serial. Decoding does
 * not validate the chain; callers do that first (the transport at the TLS handshake).
 */
public record CertificateIdentity(SpiffeId spiffeId, List<String> roles, BigInteger serial) {
  public CertificateIdentity {
    roles = List.copyOf(roles);
  }

  /**
   * Reads the identity of a client certificate. A certificate without a roles extension has no
   * roles; a malformed one is refused.
   */
  public static CertificateIdentity from(X509Certificate certificate)
      throws IdentityFormatException {
    SpiffeId id = SpiffeId.fromCertificate(certificate);
    List<String> roles = RolesExtension.fromCertificate(certificate).orElse(List.of());
    return new CertificateIdentity(id, roles, certificate.getSerialNumber());
  }

  /** The serial as lowercase hex, the form the CLI and audit log use. */
  public String serialHex() {
    return serial.toString(16);
  }
}
