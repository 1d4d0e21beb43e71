package io.gatehouse.transport.auth.cert;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

/**
 * The revocation issuer comes from a validated path, never from what the client appended: real
 * certificates (BouncyCastle-built), the JDK's PKIX builder. Covers both the bundle holding the
 * intermediate (direct match) and the bundle holding only the root (the client's intermediate as
 * a path-building hint, accepted only when it chains to the root).
 */
class TrustedIssuersTest {
  private static final X500Name ROOT = new X500Name("CN=Root");
  private static final X500Name INTERMEDIATE = new X500Name("CN=Intermediate");

  private final KeyPair rootKeys = keys();
  private final KeyPair intermediateKeys = keys();
  private final KeyPair attackerRootKeys = keys();
  private final KeyPair forgedKeys = keys();
  private final X509Certificate root = cert(ROOT, rootKeys, ROOT, rootKeys, true);
  private final X509Certificate intermediate =
      cert(ROOT, rootKeys, INTERMEDIATE, intermediateKeys, true);
  private final X509Certificate forged = cert(new X500Name("CN=Attacker Root"), attackerRootKeys,
      INTERMEDIATE, forgedKeys, true);
  private final X509Certificate leaf = cert(INTERMEDIATE, intermediateKeys,
      new X500Name("CN=alice"), keys(), false);

  @Test
  void aBundleIntermediateIsUsedWhateverTheClientAppends() {
    TrustedIssuers issuers = new TrustedIssuers(List.of(intermediate, root));
    assertThat(issuers.issuerOf(List.of(leaf))).contains(intermediate);
    assertThat(issuers.issuerOf(List.of(leaf, forged))).contains(intermediate);
    assertThat(issuers.issuerOf(List.of(leaf, forged, root))).contains(intermediate);
  }

  @Test
  void withOnlyTheRootInTheBundleTheClientsIntermediateMustChainToIt() {
    TrustedIssuers issuers = new TrustedIssuers(List.of(root));
    assertThat(issuers.issuerOf(List.of(leaf, intermediate))).contains(intermediate);
    // The look-alike has the right name but chains to the attacker's root: no validated path.
    assertThat(issuers.issuerOf(List.of(leaf, forged))).isEmpty();
    // Both sent, forged first: the path builder skips it and finds the real one.
    assertThat(issuers.issuerOf(List.of(leaf, forged, intermediate))).contains(intermediate);
    assertThat(issuers.issuerOf(List.of(leaf))).isEmpty();
    assertThat(issuers.issuerOf(List.of())).isEmpty();
  }

  @Test
  void aLeafTheForgedKeySignedHasNoTrustedIssuer() {
    X509Certificate forgedLeaf = cert(INTERMEDIATE, forgedKeys, new X500Name("CN=mallory"),
        keys(), false);
    assertThat(new TrustedIssuers(List.of(intermediate, root)).issuerOf(List.of(forgedLeaf, forged)))
        .isEmpty();
    assertThat(new TrustedIssuers(List.of(root)).issuerOf(List.of(forgedLeaf, forged))).isEmpty();
  }

  private static X509Certificate cert(X500Name issuer, KeyPair issuerKeys, X500Name subject,
      KeyPair subjectKeys, boolean ca) {
    try {
      Instant now = Instant.now();
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(issuer,
          new BigInteger(128, new SecureRandom()).setBit(127),
          Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))),
          subject, subjectKeys.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(ca
          ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature));
      b.addExtension(Extension.subjectKeyIdentifier, false,
          utils.createSubjectKeyIdentifier(subjectKeys.getPublic()));
      return new JcaX509CertificateConverter().getCertificate(
          b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keys() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
