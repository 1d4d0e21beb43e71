package io.gatehouse.ca.ocsp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.cli.Certs;
import io.gatehouse.ca.cli.Cli;
import io.gatehouse.ca.db.SqliteCertificateStore;
import io.gatehouse.ca.issue.Issuer;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failure answers of the responder, without HTTP. */
class OcspResponderTest {
  @TempDir Path dir;

  @Test
  void storeFailureIsInternalErrorAndGarbageIsMalformed() throws Exception {
    assertThat(Cli.withPassphrase().ca(dir, "init").exit()).isZero();
    assertThat(Cli.withPassphrase().ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    X509Certificate alice = Certs.read(dir.resolve("clients/alice.crt")).get(0);
    try (CertificateAuthority ca = CertificateAuthority.open(dir)) {
      OcspSigner signer = OcspSigner.issue(new Issuer(ca, ca.unlock(Cli.PASSPHRASE.toCharArray()), Clock.systemUTC()));
      SqliteCertificateStore broken = SqliteCertificateStore.open(dir.resolve("ca/ca.db"));
      broken.close(); // every query now fails
      OcspResponder responder = new OcspResponder(broken, ca.issuerCertificate(), signer,
          Duration.ofHours(1), Clock.systemUTC());
      byte[] request = new OCSPReqBuilder().addRequest(new CertificateID(
          new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
          new JcaX509CertificateHolder(ca.issuerCertificate()), alice.getSerialNumber())).build().getEncoded();
      OcspAnswer answer = responder.respond(request);
      assertThat(new OCSPResp(answer.der()).getStatus()).isEqualTo(OCSPResp.INTERNAL_ERROR);
      assertThat(answer.cacheable()).isFalse();
      assertThat(new OCSPResp(responder.respond(new byte[] {0x30, 0x03, 0x02, 0x01, 0x01}).der()).getStatus())
          .isEqualTo(OCSPResp.MALFORMED_REQUEST);
      assertThat(new OCSPResp(responder.respond(new OCSPReqBuilder().build().getEncoded()).der()).getStatus())
          .as("a request for no certificate").isEqualTo(OCSPResp.MALFORMED_REQUEST);
    }
  }
}
