package io.gatehouse.transport.auth.revocation;

import java.net.URI;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;

/**
 * One certificate prepared for revocation checks: its OCSP CertificateID and responder URL,
 * computed once per connection by {@link RevocationChecker#target} so that per-request checks
 * only look up the cache. Equal when issuer key hash and serial are equal (the cache key).
 */
public final class RevocationTarget {
  final CertificateID certId;
  final X509CertificateHolder issuerHolder;
  final URI responder; // null when neither the certificate nor the configuration names one
  private final String key;
  private final int hash;

  RevocationTarget(CertificateID certId, X509CertificateHolder issuerHolder, URI responder) {
    this.certId = certId;
    this.issuerHolder = issuerHolder;
    this.responder = responder;
    this.key = OcspClient.hex(certId.getIssuerKeyHash()) + ':' + certId.getSerialNumber().toString(16);
    this.hash = key.hashCode();
  }

  /** The certificate serial in lowercase hex, as the audit log and {@code ca list} show it. */
  public String serialHex() {
    return certId.getSerialNumber().toString(16);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RevocationTarget && ((RevocationTarget) o).key.equals(key);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "RevocationTarget[" + key + "]";
  }
}
