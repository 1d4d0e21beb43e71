package io.gatehouse.ca.est;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.cli.ca.Certs;
import io.gatehouse.cli.ca.Processes;
import io.gatehouse.pki.identity.CertificateIdentity;
import io.gatehouse.ca.authority.PemFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.est.CACertsResponse;
import org.bouncycastle.est.ESTAuth;
import org.bouncycastle.est.ESTService;
import org.bouncycastle.est.EnrollmentResponse;
import org.bouncycastle.est.jcajce.JsseESTServiceBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 7030 with a client we did not write: BouncyCastle's {@code org.bouncycastle.est} over real
 * HTTPS to {@code ca serve}'s EST listener — cacerts, simpleenroll with a one-time token, then
 * simplereenroll authenticated by the certificate it just got; {@code openssl verify} accepts both.
 */
class EstBouncyCastleClientTest {
  @TempDir static Path dir;
  static EstFixture fixture;

  @BeforeAll
  static void start() throws Exception {
    fixture = new EstFixture(dir, EstService.Limits.defaults());
    fixture.ok("provisioner", "add", "--name", "agents", "--role", "viewer", "--role", "hr.read",
        "--name-pattern", "agent-*", "--max-ttl", "12h");
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private ESTService client(javax.net.ssl.KeyManager[] keys) throws Exception {
    JsseESTServiceBuilder builder = new JsseESTServiceBuilder("localhost:" + fixture.port(),
        new javax.net.ssl.X509TrustManager[] {fixture.trustRoot()});
    if (keys != null) {
      builder.withKeyManagers(keys);
    }
    return builder.build();
  }

  private static ESTAuth bearer(String token) {
    return request -> request.setHeader("Authorization", "Bearer " + token);
  }

  private static X509Certificate only(EnrollmentResponse response) throws Exception {
    assertThat(response.isCompleted()).isTrue();
    X509CertificateHolder[] certs = ESTService.storeToArray(response.getStore());
    assertThat(certs).hasSize(1);
    return new JcaX509CertificateConverter().getCertificate(certs[0]);
  }

  @Test
  void cacertsEnrollAndReenrollWithTheBouncyCastleClient() throws Exception {
    CACertsResponse cacerts = client(null).getCACerts();
    assertThat(cacerts.hasCertificates()).isTrue();
    assertThat(ESTService.storeToArray(cacerts.getCertificateStore()))
        .extracting(holder -> holder.getSubject().toString())
        .containsExactlyInAnyOrder(fixture.root.getSubjectX500Principal().getName(),
            fixture.intermediate.getSubjectX500Principal().getName());

    String token = fixture.cliToken("--provisioner", "agents", "--name", "agent-7", "--role", "viewer");
    KeyPair key = KeyType.EC_P256.generate();
    X509Certificate issued = only(client(null).simpleEnroll(false, EstFixture.csr("agent-7", key), bearer(token)));
    CertificateIdentity identity = CertificateIdentity.from(issued);
    assertThat(identity.spiffeId().name()).isEqualTo("agent-7");
    assertThat(identity.roles()).containsExactly("viewer");
    assertThat(issued.getPublicKey()).isEqualTo(key.getPublic());
    assertThat(issued.getNotAfter().getTime() - issued.getNotBefore().getTime())
        .isLessThanOrEqualTo(12 * 3600_000L + 60_000L);
    Certs.validate(List.of(issued, fixture.intermediate), fixture.root);
    assertOpensslVerifies(issued, "agent-7");

    KeyPair next = KeyType.EC_P256.generate();
    X509Certificate renewed = only(client(EstFixture.keyManagers(key.getPrivate(), List.of(issued, fixture.intermediate)))
        .simpleEnroll(true, EstFixture.csr("agent-7", next), null));
    assertThat(renewed.getSerialNumber()).isNotEqualTo(issued.getSerialNumber());
    assertThat(renewed.getPublicKey()).isEqualTo(next.getPublic());
    assertThat(CertificateIdentity.from(renewed).roles()).containsExactly("viewer");
    assertThat(renewed.getSubjectX500Principal()).isEqualTo(issued.getSubjectX500Principal());
    assertOpensslVerifies(renewed, "agent-7-renewed");
  }

  private static void assertOpensslVerifies(X509Certificate leaf, String name) throws Exception {
    Path file = dir.resolve(name + ".pem");
    Files.write(file, PemFiles.encode(leaf));
    Processes.Output verify = Processes.run(dir, "openssl", "verify", "-CAfile", dir.resolve("ca/root.crt").toString(),
        "-untrusted", dir.resolve("ca/intermediate.crt").toString(), file.toString());
    assertThat(verify.exit()).as(verify.text()).isZero();
    assertThat(verify.text()).contains(": OK");
  }
}
