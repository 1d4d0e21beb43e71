package io.gatehouse.transport.auth.revocation;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throwaway CA built with BouncyCastle: root, client leaves, delegated OCSP responders. */
final class TestPki {
  static final java.security.Provider BC = io.gatehouse.pki.BouncyCastle.PROVIDER;

  final KeyPair caKeys = keyPair();
  final X509Certificate ca;
  private final AtomicLong serials = new AtomicLong(1000);

  TestPki(String name) {
    X500Name subject = new X500Name("CN=" + name);
    ca =
        sign(
            new JcaX509v3CertificateBuilder(subject, BigInteger.ONE, from(), to(), subject, caKeys.getPublic()),
            b -> {
              b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
              b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            });
  }

  /** A client certificate whose AIA points at {@code ocspUrl} (none when null). */
  X509Certificate leaf(String ocspUrl) {
    return issue("CN=client", keyPair(), b -> {
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      if (ocspUrl != null) {
        b.addExtension(
            Extension.authorityInfoAccess,
            false,
            new AuthorityInformationAccess(
                AccessDescription.id_ad_ocsp, new GeneralName(GeneralName.uniformResourceIdentifier, ocspUrl)));
      }
    });
  }

  /** A delegated responder certificate, with or without EKU id-kp-OCSPSigning. */
  X509Certificate responder(KeyPair keys, boolean ocspSigningEku) {
    return issue("CN=ocsp responder", keys, b -> {
      if (ocspSigningEku) {
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_OCSPSigning));
      }
    });
  }

  private X509Certificate issue(String subject, KeyPair keys, Extensions extensions) {
    return sign(
        new JcaX509v3CertificateBuilder(
            ca, BigInteger.valueOf(serials.incrementAndGet()), from(), to(), new X500Name(subject), keys.getPublic()),
        extensions);
  }

  private X509Certificate sign(X509v3CertificateBuilder builder, Extensions extensions) {
    try {
      extensions.add(builder);
      X509CertificateHolder holder = builder.build(signer(caKeys.getPrivate()));
      return new JcaX509CertificateConverter().setProvider(BC).getCertificate(holder);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static ContentSigner signer(PrivateKey key) {
    try {
      return new JcaContentSignerBuilder("SHA256withECDSA").setProvider(BC).build(key);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC", BC);
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Date from() {
    return Date.from(Instant.now().minus(Duration.ofDays(1)));
  }

  private static Date to() {
    return Date.from(Instant.now().plus(Duration.ofDays(365)));
  }

  @FunctionalInterface
  interface Extensions {
    void add(X509v3CertificateBuilder builder) throws Exception;
  }
}
