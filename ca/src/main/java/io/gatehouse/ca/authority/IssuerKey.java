package io.gatehouse.ca.authority;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.db.AuditSigner;
import io.gatehouse.ca.db.HeadVerifier;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA certificate with its unlocked private key: what signs certificates, CRLs and OCSP
 * responses. Built only by {@link CertificateAuthority#unlock(char[])} (or at init), which checks
 * that the key belongs to the certificate.
 */
public final class IssuerKey {
  private static final JcaX509ExtensionUtils EXTENSIONS = extensionUtils();

  private final X509Certificate certificate;
  private final PrivateKey key;
  private final String signatureAlgorithm;

  private IssuerKey(X509Certificate certificate, PrivateKey key) throws CaException {
    this.certificate = certificate;
    this.key = key;
    try {
      this.signatureAlgorithm = KeyType.of(key).signatureAlgorithm();
    } catch (InvalidRequestException e) {
      throw new CaException("CA key is unusable: " + e.getMessage());
    }
    if (!belongTogether(key, certificate.getPublicKey())) {
      throw new CaException("CA key does not belong to CA certificate "
          + certificate.getSubjectX500Principal().getName() + ": restore the matching key");
    }
  }

  /** Pairs a CA (or delegated signer) certificate with its key, checking that they belong together. */
  public static IssuerKey of(X509Certificate certificate, PrivateKey key) throws CaException {
    return new IssuerKey(certificate, key);
  }

  /** The CA certificate. */
  public X509Certificate certificate() {
    return certificate;
  }

  /** The private key; never logged, never leaves the process. */
  public PrivateKey privateKey() {
    return key;
  }

  /**
   * Signs the store's audit chain heads as {@code actor} (see {@link io.gatehouse.ca.db.AuditChain}).
   */
  public AuditSigner auditSigner(String actor) {
    return new AuditSigner() {
      @Override
      public String actor() {
        return actor;
      }

      @Override
      public byte[] sign(byte[] message) {
        try {
          Signature signer = Signature.getInstance(signatureAlgorithm, Crypto.BC);
          signer.initSign(key);
          signer.update(message);
          return signer.sign();
        } catch (GeneralSecurityException e) {
          throw new IllegalStateException("cannot sign the audit chain head", e);
        }
      }
    };
  }

  /** Verifies audit chain heads against {@code certificate}'s public key; needs no secret. */
  public static HeadVerifier headVerifier(X509Certificate certificate) {
    PublicKey publicKey = certificate.getPublicKey();
    String algorithm;
    try {
      algorithm = KeyType.of(publicKey).signatureAlgorithm();
    } catch (InvalidRequestException e) {
      return (message, signature) -> false;
    }
    return (message, signature) -> {
      try {
        Signature verifier = Signature.getInstance(algorithm, Crypto.BC);
        verifier.initVerify(publicKey);
        verifier.update(message);
        return verifier.verify(signature);
      } catch (GeneralSecurityException | RuntimeException e) {
        return false;
      }
    };
  }

  /** The issuer name for certificates this key signs. */
  public X500Name subject() {
    try {
      return new JcaX509CertificateHolder(certificate).getSubject();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fresh signer (ContentSigners are stateful, one per signature). */
  public ContentSigner contentSigner() {
    try {
      return new JcaContentSignerBuilder(signatureAlgorithm).setProvider(Crypto.BC).build(key);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot sign with " + signatureAlgorithm, e);
    }
  }

  /** Signs {@code builder} and returns the certificate as a JDK {@link X509Certificate}. */
  public X509Certificate sign(X509v3CertificateBuilder builder) {
    return toJdk(builder.build(contentSigner()));
  }

  /** AuthorityKeyIdentifier for certificates this key signs. */
  public AuthorityKeyIdentifier authorityKeyIdentifier() {
    try {
      return EXTENSIONS.createAuthorityKeyIdentifier(certificate);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** SubjectKeyIdentifier of {@code key} (RFC 5280 method 1, SHA-1 of the key bits). */
  public static SubjectKeyIdentifier subjectKeyIdentifier(PublicKey key) {
    return EXTENSIONS.createSubjectKeyIdentifier(key);
  }

  /** A fresh serial: 128 random bits, positive and non-zero. */
  public static BigInteger newSerial() {
    BigInteger serial;
    do {
      serial = new BigInteger(128, Crypto.random());
    } while (serial.signum() == 0);
    return serial;
  }

  /** Converts a BouncyCastle holder to the JDK type everyone else uses. */
  public static X509Certificate toJdk(X509CertificateHolder holder) {
    try {
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signed certificate does not parse", e);
    }
  }

  /** Whether {@code privateKey} is the private half of {@code publicKey} (a signature round trip). */
  public static boolean belongTogether(PrivateKey privateKey, PublicKey publicKey) {
    try {
      String signatureAlgorithm = KeyType.of(privateKey).signatureAlgorithm();
      byte[] challenge = new byte[32];
      Crypto.random().nextBytes(challenge);
      Signature signer = Signature.getInstance(signatureAlgorithm, Crypto.BC);
      signer.initSign(privateKey);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(signatureAlgorithm, Crypto.BC);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | InvalidRequestException e) {
      return false;
    }
  }

  private static JcaX509ExtensionUtils extensionUtils() {
    try {
      return new JcaX509ExtensionUtils();
    } catch (GeneralSecurityException e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
