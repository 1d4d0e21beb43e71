package io.gatehouse.transport.auth.revocation;

import io.gatehouse.pki.BouncyCastle;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

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

  private RevocationTarget(CertificateID certId, X509CertificateHolder issuerHolder, URI responder) {
    this.certId = certId;
    this.issuerHolder = issuerHolder;
    this.responder = responder;
    this.key = HexFormat.of().formatHex(certId.getIssuerKeyHash()) + ':' + certId.getSerialNumber().toString(16);
    this.hash = key.hashCode();
  }

  /**
   * Prepares the CertificateID (SHA-1, as RFC 5019 requires) and finds the responder URL: {@code
   * override} if set, else the certificate's AIA id-ad-ocsp URI.
   *
   * @throws IllegalArgumentException if {@code issuer} did not issue {@code leaf} (name and signature)
   */
  static RevocationTarget prepare(X509Certificate leaf, X509Certificate issuer, URI override) {
    // Names are not enough: a forged certificate can carry the issuer's name with another key.
    if (!leaf.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())
        || !signedBy(leaf, issuer)) {
      throw new IllegalArgumentException("the issuer certificate did not issue this certificate");
    }
    try {
      X509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer);
      CertificateID id =
          new CertificateID(
              new JcaDigestCalculatorProviderBuilder().setProvider(BouncyCastle.PROVIDER).build()
                  .get(CertificateID.HASH_SHA1),
              issuerHolder,
              leaf.getSerialNumber());
      return new RevocationTarget(id, issuerHolder, override != null ? override : aiaOcspUri(leaf));
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot prepare an OCSP request for this certificate", e);
    }
  }

  private static boolean signedBy(X509Certificate leaf, X509Certificate issuer) {
    try {
      leaf.verify(issuer.getPublicKey());
      return true;
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** The first http(s) id-ad-ocsp URI of the AIA extension, or null. */
  private static URI aiaOcspUri(X509Certificate leaf) throws IOException {
    byte[] ext = leaf.getExtensionValue(Extension.authorityInfoAccess.getId());
    if (ext == null) {
      return null;
    }
    AuthorityInformationAccess aia =
        AuthorityInformationAccess.getInstance(DEROctetString.getInstance(ext).getOctets());
    for (AccessDescription ad : aia.getAccessDescriptions()) {
      GeneralName name = ad.getAccessLocation();
      if (ad.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
          && name.getTagNo() == GeneralName.uniformResourceIdentifier) {
        try {
          URI uri = new URI(name.getName().toString());
          if ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) {
            return uri;
          }
        } catch (URISyntaxException malformed) {
          // Not usable: try the next access description.
        }
      }
    }
    return null;
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
