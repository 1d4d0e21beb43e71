package io.gatehouse.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.pki.identity.RolesExtension;
import io.gatehouse.pki.identity.SpiffeId;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one builder makes what the tests rely on, checked by the JDK's PKIX validator. */
class TestCertsTest {
  @TempDir Path dir;

  @Test
  void rootIntermediateLeafValidateAndCarryTheGatehouseProfile() throws Exception {
    KeyPair rootKeys = TestCerts.ecKey();
    KeyPair intermediateKeys = TestCerts.ecKey();
    X509Certificate root = TestCerts.selfSigned("CN=Root", rootKeys).ca().keyIdentifiers().build();
    X509Certificate intermediate = TestCerts.issuedBy(root, rootKeys.getPrivate())
        .subject("CN=Intermediate").keys(intermediateKeys).ca().keyIdentifiers().build();
    X509Certificate leaf = TestCerts.issuedBy(intermediate, intermediateKeys.getPrivate())
        .subject("CN=alice").leaf().clientAuth().spiffeClient("alice").roles("viewer", "admin")
        .ocspUrl("http://127.0.0.1:1/ocsp").keyIdentifiers().build();

    TestCerts.validate(List.of(leaf, intermediate), root);
    assertThat(intermediate.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(SpiffeId.fromCertificate(leaf).name()).isEqualTo("alice");
    assertThat(RolesExtension.fromCertificate(leaf)).contains(List.of("viewer", "admin"));
    AuthorityInformationAccess aia = AuthorityInformationAccess.fromExtensions(
        new JcaX509CertificateHolder(leaf).getExtensions());
    AccessDescription ocsp = aia.getAccessDescriptions()[0];
    assertThat(ocsp.getAccessMethod()).isEqualTo(AccessDescription.id_ad_ocsp);
    assertThat(ocsp.getAccessLocation().getName().toString()).isEqualTo("http://127.0.0.1:1/ocsp");
    assertThat(leaf.getExtensionValue(Extension.authorityKeyIdentifier.getId())).isNotNull();
  }

  @Test
  void aLeafSignedByAnotherKeyDoesNotValidate() {
    KeyPair rootKeys = TestCerts.ecKey();
    X509Certificate root = TestCerts.selfSigned("CN=Root", rootKeys).ca().build();
    X509Certificate forged = TestCerts.issuedBy(root, TestCerts.ecKey().getPrivate())
        .subject("CN=mallory").leaf().build();
    assertThatThrownBy(() -> TestCerts.validate(List.of(forged), root))
        .isInstanceOf(CertPathValidatorException.class);
  }

  @Test
  void anOcspSignerCarriesTheEku() throws Exception {
    KeyPair rootKeys = TestCerts.ecKey();
    X509Certificate root = TestCerts.selfSigned("CN=Root", rootKeys).ca().build();
    X509Certificate signer = TestCerts.issuedBy(root, rootKeys.getPrivate())
        .subject("CN=ocsp").leaf().ocspSigning().build();
    assertThat(signer.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.9");
  }

  @Test
  void testPkiPemFilesReadBackWithTheJdk() {
    TestPki pki = TestPki.create(dir, "fixture");
    TestPki.Issued bob = pki.client("bob", "viewer");
    List<X509Certificate> chain = TestCerts.read(bob.certificatePem());
    assertThat(chain).containsExactly(bob.certificate(), pki.root());
    assertThat(TestCerts.read(pki.rootPem())).containsExactly(pki.root());
  }
}
