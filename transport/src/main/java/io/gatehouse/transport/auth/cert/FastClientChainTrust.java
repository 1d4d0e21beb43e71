package io.gatehouse.transport.auth.cert;

import io.gatehouse.pki.BouncyCastle;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A client-certificate trust manager that answers the common case with BouncyCastle and leaves
 * every other case to the JDK's PKIX trust manager. A full mTLS handshake verifies the client's
 * chain once; with the JDK that is SunEC, whose P-256 verification costs about ten times
 * BouncyCastle's on JDK 17 (benchmarks/RESULTS.md §2), and netty-tcnative calls this Java trust
 * manager too, so it was the largest single cost of a full OpenSSL handshake (docs/benchmarks.md).
 *
 * <p>The fast path accepts a chain only when all of this holds, else the JDK decides (each
 * condition is one the JDK's validator also requires, some stricter): BouncyCastle's RFC 5280
 * validator accepts the path to one of the anchors now (signatures, validity, basic constraints,
 * key usage of CAs, name chaining and constraints, unknown critical extensions refused), without
 * revocation, as the JDK trust manager here is configured; every certificate is signed with
 * SHA-256/384/512 ECDSA or RSA (PKCS#1 or PSS) or EdDSA, and every key is RSA of at least 2048
 * bits, EC on P-256/384/521, or EdDSA (stricter than the JDK's disabled algorithms); the leaf's
 * key usage, if present, has digitalSignature, its extended key usage, if present, has
 * clientAuth or anyExtendedKeyUsage, and it has no Netscape certificate type (the JDK's TLS-client
 * end-entity checks). A refused chain is then checked by the JDK too, which refuses it with its
 * own message: a bad certificate costs two validations, a good one a fifth of one.
 */
public final class FastClientChainTrust extends X509ExtendedTrustManager {
  private static final String ANY_EKU = "2.5.29.37.0";
  private static final String NETSCAPE_CERT_TYPE = "2.16.840.1.113730.1.1";
  private static final Set<String> SIGNATURE_ALGORITHMS = Set.of(
      "1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4", // ECDSA SHA-256/384/512
      "1.2.840.113549.1.1.11", "1.2.840.113549.1.1.12", "1.2.840.113549.1.1.13", // RSA SHA-2
      "1.2.840.113549.1.1.10", // RSASSA-PSS
      "1.3.101.112", "1.3.101.113"); // Ed25519, Ed448
  private static final int MIN_RSA_BITS = 2048;
  private static final Set<Integer> EC_FIELD_BITS = Set.of(256, 384, 521);

  private final X509ExtendedTrustManager jdk;
  private final Set<TrustAnchor> anchors;
  private final Set<X509Certificate> anchorCertificates;

  private FastClientChainTrust(X509ExtendedTrustManager jdk, List<X509Certificate> anchors) {
    this.jdk = jdk;
    this.anchorCertificates = Set.copyOf(anchors);
    Set<TrustAnchor> bc = new HashSet<>();
    for (X509Certificate anchor : anchors) {
      X509Certificate converted = toBouncyCastle(anchor);
      if (converted != null) {
        bc.add(new TrustAnchor(converted, null));
      }
    }
    this.anchors = Set.copyOf(bc);
  }

  /**
   * {@code jdk} (a PKIX trust manager over exactly {@code anchors}), answered by BouncyCastle
   * first for client chains.
   */
  public static X509ExtendedTrustManager over(X509ExtendedTrustManager jdk,
      List<X509Certificate> anchors) {
    return new FastClientChainTrust(jdk, anchors);
  }

  /** True when BouncyCastle validates {@code chain} under the conditions in the class comment. */
  boolean acceptedByBouncyCastle(X509Certificate[] chain) {
    if (chain == null || chain.length == 0 || anchors.isEmpty()) {
      return false;
    }
    List<X509Certificate> path = new ArrayList<>(Arrays.asList(chain));
    // A client may send its CA too; the path to validate ends below the anchor.
    while (!path.isEmpty() && anchorCertificates.contains(path.get(path.size() - 1))) {
      path.remove(path.size() - 1);
    }
    if (path.isEmpty() || !endEntityFitsTlsClient(path.get(0))) {
      return false;
    }
    try {
      List<X509Certificate> converted = new ArrayList<>(path.size());
      for (X509Certificate cert : path) {
        if (!strongAlgorithms(cert)) {
          return false;
        }
        X509Certificate bc = toBouncyCastle(cert);
        if (bc == null) {
          return false;
        }
        converted.add(bc);
      }
      for (TrustAnchor anchor : anchors) {
        if (!strongKey(anchor.getTrustedCert().getPublicKey())) {
          return false;
        }
      }
      CertPath certPath = CertificateFactory.getInstance("X.509", BouncyCastle.PROVIDER)
          .generateCertPath(converted);
      PKIXParameters params = new PKIXParameters(anchors);
      params.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX", BouncyCastle.PROVIDER).validate(certPath, params);
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false; // the JDK decides, and says why
    }
  }

  private static boolean endEntityFitsTlsClient(X509Certificate leaf) {
    boolean[] keyUsage = leaf.getKeyUsage();
    if (keyUsage != null && !keyUsage[0]) { // digitalSignature
      return false;
    }
    if (leaf.getNonCriticalExtensionOIDs() != null
        && leaf.getNonCriticalExtensionOIDs().contains(NETSCAPE_CERT_TYPE)
        || leaf.getCriticalExtensionOIDs() != null
        && leaf.getCriticalExtensionOIDs().contains(NETSCAPE_CERT_TYPE)) {
      return false;
    }
    try {
      List<String> eku = leaf.getExtendedKeyUsage();
      return eku == null || eku.contains(ClientCertificateTrust.CLIENT_AUTH_EKU)
          || eku.contains(ANY_EKU);
    } catch (CertificateException e) {
      return false;
    }
  }

  private static boolean strongAlgorithms(X509Certificate cert) {
    return SIGNATURE_ALGORITHMS.contains(cert.getSigAlgOID()) && strongKey(cert.getPublicKey());
  }

  private static boolean strongKey(PublicKey key) {
    if (key instanceof RSAPublicKey rsa) {
      return rsa.getModulus().bitLength() >= MIN_RSA_BITS;
    }
    if (key instanceof ECPublicKey ec) {
      return EC_FIELD_BITS.contains(ec.getParams().getCurve().getField().getFieldSize());
    }
    String algorithm = key.getAlgorithm();
    return "Ed25519".equals(algorithm) || "Ed448".equals(algorithm) || "EdDSA".equals(algorithm);
  }

  /** The same certificate as a BouncyCastle object, whose verify uses BouncyCastle; or null. */
  private static X509Certificate toBouncyCastle(X509Certificate cert) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509", BouncyCastle.PROVIDER)
          .generateCertificate(new java.io.ByteArrayInputStream(cert.getEncoded()));
    } catch (GeneralSecurityException | RuntimeException e) {
      return null;
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    if (!acceptedByBouncyCastle(chain)) {
      jdk.checkClientTrusted(chain, authType, engine);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    if (!acceptedByBouncyCastle(chain)) {
      jdk.checkClientTrusted(chain, authType, socket);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    if (!acceptedByBouncyCastle(chain)) {
      jdk.checkClientTrusted(chain, authType);
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    jdk.checkServerTrusted(chain, authType, engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    jdk.checkServerTrusted(chain, authType, socket);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    jdk.checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return jdk.getAcceptedIssuers();
  }
}
