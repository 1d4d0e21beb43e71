package io.gatehouse.ca.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.cli.ca.Certs;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.ca.token.JwtSigningKey;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delegated OCSP signer is re-certified at two thirds of its life, with no restart. */
class OcspSignerRotationTest {
  /** A clock tests move forward. */
  static final class MovableClock extends Clock {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());

    void advance(Duration by) {
      now.updateAndGet(t -> t.plus(by));
    }

    @Override
    public Instant instant() {
      return now.get();
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @TempDir Path dir;

  private static X509CertificateHolder signerOf(byte[] response) throws Exception {
    return ((BasicOCSPResp) new OCSPResp(response).getResponseObject()).getCerts()[0];
  }

  @Test
  void signerRotatesBeforeItExpires() throws Exception {
    Cli cli = Cli.withPassphrase();
    assertThat(cli.ca(dir, "init").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer", "--ttl", "7d").exit()).isZero();
    X509Certificate root = Certs.read(dir.resolve("ca/root.crt")).get(0);
    X509Certificate alice = Certs.read(dir.resolve("clients/alice.crt")).get(0);
    MovableClock clock = new MovableClock();
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
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
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
