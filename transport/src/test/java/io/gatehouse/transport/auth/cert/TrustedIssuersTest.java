package io.gatehouse.transport.auth.cert;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.testing.TestCerts;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
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
    TestCerts b = TestCerts.issuedBy(issuer, issuerKeys.getPrivate()).subject(subject)
        .keys(subjectKeys);
    return (ca ? b.ca() : b.leaf()).keyIdentifiers().build();
  }

  private static KeyPair keys() {
    return TestCerts.ecKey();
  }
}
