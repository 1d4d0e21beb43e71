package io.gatehouse.ca.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.testing.MutableClock;
import io.gatehouse.testing.TestCerts;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delegated OCSP signer is re-certified at two thirds of its life, with no restart. */
class OcspSignerRotationTest {
  @TempDir Path dir;

  private static X509CertificateHolder signerOf(byte[] response) throws Exception {
    return ((BasicOCSPResp) new OCSPResp(response).getResponseObject()).getCerts()[0];
  }

  @Test
  void signerRotatesBeforeItExpires() throws Exception {
    Cli cli = Cli.withPassphrase();
    assertThat(cli.ca(dir, "init").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer", "--ttl", "7d").exit()).isZero();
    X509Certificate root = TestCerts.read(dir.resolve("ca/root.crt")).get(0);
    X509Certificate alice = TestCerts.read(dir.resolve("clients/alice.crt")).get(0);
    MutableClock clock = new MutableClock(Instant.now());
    char[] passphrase = Cli.PASSPHRASE.toCharArray();
    try (CertificateAuthority ca = CertificateAuthority.open(dir);
        CaService service = CaService.start(ca, ca.unlock(passphrase),
            JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase),
            new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null), clock)) {
      byte[] request = Ocsp.request(null, Ocsp.id(root, alice.getSerialNumber())).getEncoded();
      X509CertificateHolder first = signerOf(Ocsp.post(service.baseUrl(), request).body());
      assertThat(Duration.between(first.getNotBefore().toInstant(), first.getNotAfter().toInstant()))
          .isEqualTo(Duration.ofHours(24).plusMinutes(1));

      clock.advance(Duration.ofHours(17));
      X509CertificateHolder current = first;
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos(); // rotation runs in the background; a loaded CI machine needs the slack
      while (current.getSerialNumber().equals(first.getSerialNumber()) && System.nanoTime() < deadline) {
        Thread.sleep(50);
        current = signerOf(Ocsp.post(service.baseUrl(), request).body());
      }
      assertThat(current.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
      assertThat(current.getNotAfter()).isAfter(first.getNotAfter());
      assertThat(current.isValidOn(java.util.Date.from(clock.instant()))).isTrue();
      assertThat(cli.ca(dir, "list").out()).contains("ocsp-signing");
    }
  }
}
