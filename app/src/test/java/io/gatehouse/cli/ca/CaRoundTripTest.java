package io.gatehouse.cli.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.pki.identity.CertificateIdentity;
import io.gatehouse.pki.identity.RolesExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** init → issue → validate with the JDK's PKIX validator, for every key type and both hierarchies. */
class CaRoundTripTest {
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

  private final Cli cli = Cli.withPassphrase();

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"ec-p256", "rsa-2048", "rsa-3072", "ed25519"})
  void clientCertificateFromRootValidatesAndCarriesIdentity(String keyType) throws Exception {
    assertThat(cli.ca(dir, "init", "--key-type", keyType, "--trust-domain", "example.org").exit()).isZero();
    Cli.Result issued = cli.ca(dir, "issue", "client", "--name", "alice", "--role", "manager",
        "--role", "viewer", "--key-type", keyType);
    assertThat(issued.exit()).as(issued.toString()).isZero();

    List<X509Certificate> chain = Certs.read(dir.resolve("clients/alice.crt"));
    X509Certificate root = Certs.read(dir.resolve("ca/root.crt")).get(0);
    assertThat(chain).hasSize(1);
    Certs.validate(chain, root);

    X509Certificate leaf = chain.get(0);
    CertificateIdentity identity = CertificateIdentity.from(leaf);
    assertThat(identity.roles()).containsExactly("manager", "viewer");
    assertThat(identity.spiffeId().toUri()).isEqualTo("spiffe://example.org/client/alice");
    assertThat(leaf.getNonCriticalExtensionOIDs()).contains(RolesExtension.OID);
    assertThat(leaf.getCriticalExtensionOIDs()).doesNotContain(RolesExtension.OID)
        .contains(Extension.keyUsage.getId(), Extension.basicConstraints.getId());
    assertThat(leaf.getSubjectAlternativeNames()).hasSize(1);
    assertThat(leaf.getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(leaf.getKeyUsage()[5]).as("keyCertSign").isFalse();
    assertThat(leaf.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
    assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=alice");
    assertThat(leaf.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
    assertThat(leaf.getExtensionValue(Extension.authorityKeyIdentifier.getId())).isNotNull();
    assertThat(leaf.getSerialNumber().bitLength()).isBetween(100, 128);
    Duration lifetime = Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant());
    assertThat(lifetime).isEqualTo(Duration.ofHours(24).plusMinutes(1));
    assertThat(leaf.getExtensionValue(Extension.authorityInfoAccess.getId())).isNull();
    assertThat(leaf.getExtensionValue(Extension.cRLDistributionPoints.getId())).isNull();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("clients/alice.key"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca/root.key"))))
        .isEqualTo("rw-------");
    assertThat(Files.readString(dir.resolve("ca/root.key"))).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
  }

  @Test
  void intermediateIssuesLeavesAndChainValidatesToRoot() throws Exception {
    assertThat(cli.ca(dir, "init", "--intermediate", "--ocsp-url", "http://127.0.0.1:8089/ocsp",
        "--crl-url", "http://127.0.0.1:8089/crl").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "bob", "--role", "viewer", "--ttl", "2h",
        "--org", "Acme").exit()).isZero();

    List<X509Certificate> chain = Certs.read(dir.resolve("clients/bob.crt"));
    X509Certificate root = Certs.read(dir.resolve("ca/root.crt")).get(0);
    X509Certificate intermediate = Certs.read(dir.resolve("ca/intermediate.crt")).get(0);
    assertThat(chain).hasSize(2);
    assertThat(chain.get(1)).isEqualTo(intermediate);
    assertThat(Certs.read(dir.resolve("ca/chain.pem"))).containsExactly(intermediate, root);
    Certs.validate(chain, root);
    assertThat(root.getBasicConstraints()).isEqualTo(1);
    assertThat(intermediate.getBasicConstraints()).isEqualTo(0);
    assertThat(intermediate.getIssuerX500Principal()).isEqualTo(root.getSubjectX500Principal());

    X509Certificate leaf = chain.get(0);
    assertThat(leaf.getIssuerX500Principal()).isEqualTo(intermediate.getSubjectX500Principal());
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=bob,O=Acme");
    assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
        .isEqualTo(Duration.ofHours(2).plusMinutes(1));

    AuthorityInformationAccess aia = AuthorityInformationAccess.getInstance(
        ASN1OctetString.getInstance(leaf.getExtensionValue(Extension.authorityInfoAccess.getId())).getOctets());
    assertThat(aia.getAccessDescriptions()).hasSize(1);
    assertThat(aia.getAccessDescriptions()[0].getAccessMethod()).isEqualTo(AccessDescription.id_ad_ocsp);
    assertThat(aia.getAccessDescriptions()[0].getAccessLocation())
        .isEqualTo(new GeneralName(GeneralName.uniformResourceIdentifier, "http://127.0.0.1:8089/ocsp"));
    CRLDistPoint cdp = CRLDistPoint.getInstance(
        ASN1OctetString.getInstance(leaf.getExtensionValue(Extension.cRLDistributionPoints.getId())).getOctets());
    assertThat(GeneralNames.getInstance(cdp.getDistributionPoints()[0].getDistributionPoint().getName()).getNames())
        .containsExactly(new GeneralName(GeneralName.uniformResourceIdentifier, "http://127.0.0.1:8089/crl"));

    // A leaf of this CA does not validate against another CA's root.
    Path other = dir.resolve("other");
    assertThat(cli.ca(other, "init").exit()).isZero();
    X509Certificate otherRoot = Certs.read(other.resolve("ca/root.crt")).get(0);
    assertThatThrownBy(() -> Certs.validate(chain, otherRoot)).isInstanceOf(CertPathValidatorException.class);
  }

  @Test
  void serverCertificateHasDnsAndIpNamesAndServerAuth() throws Exception {
    assertThat(cli.ca(dir, "init", "--key-type", "rsa-2048").exit()).isZero();
    Cli.Result issued = cli.ca(dir, "issue", "server", "--dns", "localhost", "--dns", "mcp.internal",
        "--ip", "127.0.0.1", "--ip", "::1", "--key-type", "rsa-2048");
    assertThat(issued.exit()).as(issued.toString()).isZero();

    X509Certificate leaf = Certs.read(dir.resolve("servers/localhost.crt")).get(0);
    Certs.validate(List.of(leaf), Certs.read(dir.resolve("ca/root.crt")).get(0));
    assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
    assertThat(leaf.getSubjectAlternativeNames()).extracting(san -> (Object) san.get(1))
        .containsExactly("localhost", "mcp.internal", "127.0.0.1", "0:0:0:0:0:0:0:1");
    assertThat(leaf.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
    assertThat(leaf.getKeyUsage()[0]).isTrue();
    assertThat(leaf.getKeyUsage()[2]).as("keyEncipherment for RSA").isTrue();
    assertThat(leaf.getExtensionValue(RolesExtension.OID)).isNull();
    assertThat(Duration.between(leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant()))
        .isEqualTo(Duration.ofDays(90).plusMinutes(1));
  }

  @Test
  void pkcs12BundleLoadsInJavaKeyStore() throws Exception {
    assertThat(cli.ca(dir, "init", "--intermediate").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "carol", "--role", "admin", "--p12").exit()).isZero();
    Path p12 = dir.resolve("clients/carol.p12");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p12))).isEqualTo("rw-------");
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(p12)) {
      store.load(in, "p12-secret-pw".toCharArray());
    }
    String alias = store.aliases().nextElement();
    assertThat(store.getKey(alias, "p12-secret-pw".toCharArray())).isNotNull();
    assertThat(store.getCertificateChain(alias)).hasSize(2);
    assertThat(CertificateIdentity.from((X509Certificate) store.getCertificate(alias)).roles())
        .containsExactly("admin");
  }

  @Test
  void listShowsStatusAndJson() throws Exception {
    assertThat(cli.ca(dir, "init").exit()).isZero();
    cli.ca(dir, "issue", "client", "--name", "alice", "--role", "manager", "--role", "viewer");
    cli.ca(dir, "issue", "client", "--name", "bob", "--role", "viewer");
    String serial = Certs.read(dir.resolve("clients/bob.crt")).get(0).getSerialNumber().toString(16);
    assertThat(cli.ca(dir, "revoke", "--serial", serial, "--reason", "superseded").exit()).isZero();

    Cli.Result table = cli.ca(dir, "list");
    assertThat(table.exit()).isZero();
    assertThat(table.out()).contains("SERIAL", "CN=alice", "manager,viewer", serial, "revoked");

    Cli.Result json = cli.ca(dir, "list", "--json", "--status", "revoked");
    assertThat(json.exit()).isZero();
    var array = tools.jackson.databind.json.JsonMapper.builder().build().readTree(json.out());
    assertThat(array.size()).isEqualTo(1);
    assertThat(array.get(0).get("serial").asString()).isEqualTo(serial);
    assertThat(array.get(0).get("revocationReason").asString()).isEqualTo("superseded");
    assertThat(array.get(0).get("status").asString()).isEqualTo("revoked");

    Cli.Result valid = cli.ca(dir, "list", "--json", "--status", "valid");
    assertThat(valid.out()).contains("CN=alice").doesNotContain("CN=bob");
    // A clock past notAfter sees the valid certificate as expired.
    Cli.Result later = Cli.withPassphrase()
        .clock(java.time.Clock.offset(java.time.Clock.systemUTC(), Duration.ofDays(2)))
        .ca(dir, "list", "--status", "expired");
    assertThat(later.out()).contains("CN=alice").doesNotContain("CN=bob");
  }

  @Test
  void signCsrUsesOnlyKeyAndNameFromTheRequest() throws Exception {
    assertThat(cli.ca(dir, "init").exit()).isZero();
    Path csr = Csrs.write(dir.resolve("dave.csr"), "dave", true, false);
    Cli.Result signed = cli.ca(dir, "sign", "--csr", csr.toString(), "--role", "viewer", "--ttl", "1h");
    assertThat(signed.exit()).as(signed.toString()).isZero();
    X509Certificate leaf = Certs.read(dir.resolve("clients/dave.crt")).get(0);
    assertThat(Files.exists(dir.resolve("clients/dave.key"))).isFalse();
    Certs.validate(List.of(leaf), Certs.read(dir.resolve("ca/root.crt")).get(0));
    // The CSR asked for roles "admin" and a DNS SAN; neither was copied.
    assertThat(CertificateIdentity.from(leaf).roles()).containsExactly("viewer");
    assertThat(leaf.getSubjectAlternativeNames()).hasSize(1);
    assertThat(leaf.getPublicKey()).isEqualTo(Csrs.lastKey().getPublic());
  }

  @Test
  void forcedInitMovesTheOldCaAside() throws Exception {
    assertThat(cli.ca(dir, "init").exit()).isZero();
    byte[] oldRoot = Files.readAllBytes(dir.resolve("ca/root.crt"));
    Cli.Result again = cli.ca(dir, "init");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("already exists", "--force");
    Cli.Result forced = cli.ca(dir, "init", "--force");
    assertThat(forced.exit()).as(forced.toString()).isZero();
    assertThat(Files.readAllBytes(dir.resolve("ca/root.crt"))).isNotEqualTo(oldRoot);
    try (var siblings = Files.list(dir)) {
      Path aside = siblings.filter(p -> p.getFileName().toString().startsWith("ca.replaced-")).findFirst().orElseThrow();
      assertThat(Files.readAllBytes(aside.resolve("root.crt"))).isEqualTo(oldRoot);
    }
  }

  @Test
  void passphraseCanComeFromThePrompt() throws Exception {
    Cli prompted = Cli.bare().prompt(prompt -> "typed passphrase 123".toCharArray());
    Cli.Result init = prompted.ca(dir, "init");
    assertThat(init.exit()).as(init.toString()).isZero();
    assertThat(prompted.ca(dir, "issue", "client", "--name", "erin", "--role", "viewer").exit()).isZero();
    assertThat(Files.readString(dir.resolve("clients/erin.crt"), StandardCharsets.US_ASCII)).contains("BEGIN CERTIFICATE");
  }
}
