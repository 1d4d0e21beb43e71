package io.gatehouse.cli.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.pki.identity.CertificateIdentity;
import io.gatehouse.ca.issue.Renewer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ca renew}: same identity, new validity; refused for revoked, expired or foreign certificates. */
class RenewTest {
  private final Cli cli = Cli.withPassphrase();

  @TempDir Path dir;

  @BeforeEach
  void issue() {
    assertThat(cli.ca(dir, "init", "--intermediate").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "manager", "--role", "viewer",
        "--org", "Acme", "--ttl", "2h").exit()).isZero();
  }

  private Cli.Result renew(Cli runner, String... extra) {
    String[] args = new String[extra.length + 5];
    args[0] = "renew";
    args[1] = "--cert";
    args[2] = dir.resolve("clients/alice.crt").toString();
    args[3] = "--key";
    args[4] = dir.resolve("clients/alice.key").toString();
    System.arraycopy(extra, 0, args, 5, extra.length);
    return runner.ca(dir, args);
  }

  private X509Certificate alice() throws Exception {
    return Certs.read(dir.resolve("clients/alice.crt")).get(0);
  }

  @Test
  void renewsSameIdentityWithLaterValidity() throws Exception {
    X509Certificate before = alice();
    byte[] key = Files.readAllBytes(dir.resolve("clients/alice.key"));
    Cli later = Cli.withPassphrase().clock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(30)));
    Cli.Result result = renew(later);
    assertThat(result.exit()).as(result.toString()).isZero();

    X509Certificate after = alice();
    assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
    assertThat(after.getNotAfter()).isAfter(before.getNotAfter());
    assertThat(Duration.between(after.getNotBefore().toInstant(), after.getNotAfter().toInstant()))
        .isEqualTo(Duration.between(before.getNotBefore().toInstant(), before.getNotAfter().toInstant()));
    assertThat(CertificateIdentity.from(after).roles()).containsExactly("manager", "viewer");
    assertThat(CertificateIdentity.from(after).spiffeId()).isEqualTo(CertificateIdentity.from(before).spiffeId());
    assertThat(after.getSubjectX500Principal()).isEqualTo(before.getSubjectX500Principal());
    assertThat(after.getPublicKey()).isEqualTo(before.getPublicKey());
    assertThat(Files.readAllBytes(dir.resolve("clients/alice.key"))).isEqualTo(key);
    after.verify(Certs.read(dir.resolve("ca/intermediate.crt")).get(0).getPublicKey());
  }

  @Test
  void rekeyReplacesTheKey() throws Exception {
    X509Certificate before = alice();
    assertThat(renew(cli, "--rekey").exit()).isZero();
    X509Certificate after = alice();
    assertThat(after.getPublicKey()).isNotEqualTo(before.getPublicKey());
    Processes.Output match = Processes.run(dir, "openssl", "pkey", "-in", "clients/alice.key", "-pubout");
    Processes.Output fromCert = Processes.run(dir, "openssl", "x509", "-in", "clients/alice.crt", "-noout", "-pubkey");
    assertThat(match.text()).isEqualTo(fromCert.text());
  }

  @Test
  void revokedExpiredOrMismatchedCertificatesCannotRenew() throws Exception {
    String serial = alice().getSerialNumber().toString(16);
    Cli future = Cli.withPassphrase().clock(Clock.offset(Clock.systemUTC(), Duration.ofHours(3)));
    BadInputTest.assertError(renew(future), 1, "expired", "cannot renew");

    assertThat(cli.ca(dir, "issue", "client", "--name", "bob", "--role", "viewer").exit()).isZero();
    Cli.Result mismatch = cli.ca(dir, "renew", "--cert", dir.resolve("clients/alice.crt").toString(),
        "--key", dir.resolve("clients/bob.key").toString());
    BadInputTest.assertError(mismatch, 1, "does not belong");

    assertThat(cli.ca(dir, "revoke", "--serial", serial).exit()).isZero();
    byte[] before = Files.readAllBytes(dir.resolve("clients/alice.crt"));
    BadInputTest.assertError(renew(cli), 1, "revoked", "cannot renew");
    assertThat(Files.readAllBytes(dir.resolve("clients/alice.crt"))).isEqualTo(before);

    Path other = dir.resolve("other");
    assertThat(cli.ca(other, "init").exit()).isZero();
    BadInputTest.assertError(cli.ca(other, "renew", "--cert", dir.resolve("clients/bob.crt").toString(),
        "--key", dir.resolve("clients/bob.key").toString()), 1, "not issued by this CA");
  }

  @Test
  void serverCertificatesRenewWithTheirNames() throws Exception {
    assertThat(cli.ca(dir, "issue", "server", "--dns", "localhost", "--ip", "127.0.0.1").exit()).isZero();
    Cli.Result result = cli.ca(dir, "renew", "--cert", dir.resolve("servers/localhost.crt").toString(),
        "--key", dir.resolve("servers/localhost.key").toString());
    assertThat(result.exit()).as(result.toString()).isZero();
    X509Certificate renewed = Certs.read(dir.resolve("servers/localhost.crt")).get(0);
    assertThat(renewed.getSubjectAlternativeNames()).extracting(san -> (Object) san.get(1))
        .containsExactly("localhost", "127.0.0.1");
    assertThat(renewed.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
  }

  @Test
  void daemonRenewsAtTwoThirdsOfLifetimeWithJitter() throws Exception {
    X509Certificate certificate = alice();
    Instant notBefore = certificate.getNotBefore().toInstant();
    Duration life = Duration.between(notBefore, certificate.getNotAfter().toInstant());
    Random random = new Random(42);
    for (int i = 0; i < 200; i++) {
      Instant at = Renewer.renewAt(certificate, random);
      assertThat(at).isBeforeOrEqualTo(notBefore.plus(life.multipliedBy(2).dividedBy(3)))
          .isAfter(notBefore.plus(life.multipliedBy(2).dividedBy(3)).minus(life.dividedBy(10)));
    }
    assertThat(List.of(Renewer.renewAt(certificate, new Random(1)), Renewer.renewAt(certificate, new Random(2))))
        .doesNotHaveDuplicates();
  }
}
