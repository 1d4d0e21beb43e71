package io.gatehouse.transport.auth.cert;

import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXCertPathBuilderResult;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;

/**
 * Finds the certificate that issued a client's leaf on a path validated to the trust bundle, for
 * revocation checks. The certificates a client sends after its leaf are untrusted: anyone can
 * append a certificate with the real intermediate's name and their own key. So they serve only as
 * path-building hints, and the issuer returned is either a trust-bundle certificate (every one is
 * a trust anchor of the handshake) whose key verifies the leaf's signature, or the leaf's issuer
 * on a PKIX path the JDK built and validated from the leaf to the bundle (revocation off there:
 * the revocation stage does OCSP itself, with a cache).
 */
public final class TrustedIssuers {
  private final List<X509Certificate> bundle;
  private final Set<TrustAnchor> anchors;

  /** @param bundle the CA certificates of {@code tls.trustBundle} */
  public TrustedIssuers(List<X509Certificate> bundle) {
    if (bundle.isEmpty()) {
      throw new IllegalArgumentException("the trust bundle holds no certificate");
    }
    this.bundle = List.copyOf(bundle);
    Set<TrustAnchor> set = new LinkedHashSet<>();
    for (X509Certificate c : bundle) {
      set.add(new TrustAnchor(c, null));
    }
    this.anchors = Set.copyOf(set);
  }

  /**
   * The issuer of {@code presented.get(0)} on a validated path to the trust bundle; empty when
   * there is none (the handshake would not have accepted the chain). The leaf's signature has
   * been verified with the returned certificate's key. Costs one signature check when the bundle
   * holds the issuer, a PKIX path build otherwise; call it once per TLS session.
   */
  public Optional<X509Certificate> issuerOf(List<X509Certificate> presented) {
    if (presented.isEmpty()) {
      return Optional.empty();
    }
    X509Certificate leaf = presented.get(0);
    byte[] authorityKeyId = keyIdentifier(leaf, Extension.authorityKeyIdentifier.getId());
    for (X509Certificate candidate : bundle) {
      if (candidate.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())
          && sameKeyId(authorityKeyId,
              keyIdentifier(candidate, Extension.subjectKeyIdentifier.getId()))
          && signedBy(leaf, candidate)) {
        return Optional.of(candidate);
      }
    }
    return validatedPath(leaf, presented.subList(1, presented.size()))
        .filter(issuer -> signedBy(leaf, issuer));
  }

  /** The leaf's issuer on a PKIX path built from the leaf, through {@code hints}, to an anchor. */
  private Optional<X509Certificate> validatedPath(X509Certificate leaf, List<X509Certificate> hints) {
    try {
      X509CertSelector target = new X509CertSelector();
      target.setCertificate(leaf);
      PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, target);
      parameters.setRevocationEnabled(false);
      parameters.addCertStore(CertStore.getInstance("Collection",
          new CollectionCertStoreParameters(List.copyOf(hints))));
      PKIXCertPathBuilderResult result =
          (PKIXCertPathBuilderResult) CertPathBuilder.getInstance("PKIX").build(parameters);
      @SuppressWarnings("unchecked")
      List<X509Certificate> path = (List<X509Certificate>) result.getCertPath().getCertificates();
      return Optional.of(path.size() > 1 ? path.get(1) : result.getTrustAnchor().getTrustedCert());
    } catch (GeneralSecurityException | RuntimeException noValidPath) {
      return Optional.empty();
    }
  }

  private static boolean signedBy(X509Certificate leaf, X509Certificate issuer) {
    try {
      leaf.verify(issuer.getPublicKey());
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static boolean sameKeyId(byte[] authorityKeyId, byte[] subjectKeyId) {
    return authorityKeyId == null || subjectKeyId == null
        || Arrays.equals(authorityKeyId, subjectKeyId);
  }

  /** The key identifier in the AKI or SKI extension {@code oid}, or null when absent. */
  private static byte[] keyIdentifier(X509Certificate cert, String oid) {
    byte[] ext = cert.getExtensionValue(oid);
    if (ext == null) {
      return null;
    }
    try {
      byte[] value = ASN1OctetString.getInstance(ext).getOctets();
      return oid.equals(Extension.authorityKeyIdentifier.getId())
          ? AuthorityKeyIdentifier.getInstance(value).getKeyIdentifierOctets()
          : SubjectKeyIdentifier.getInstance(value).getKeyIdentifier();
    } catch (RuntimeException e) {
      return null;
    }
  }
}
