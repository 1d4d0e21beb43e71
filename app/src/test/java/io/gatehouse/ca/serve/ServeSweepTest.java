package io.gatehouse.ca.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.testing.TestCerts;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running {@code ca serve} checks only the rows new audit entries name on a change
 * (docs/ca.md "Verification cost"); an edit by hand, which writes no entry, still makes it sweep
 * every row at once: {@code /readyz} goes 503 naming the entry although nobody asked about the
 * edited certificate, and comes back once the row is put right.
 */
class ServeSweepTest {
  private static final Cli CLI = Cli.withPassphrase();

  @TempDir Path dir;

  @Test
  void anEditByHandIsFoundWithoutAnyoneAskingAboutTheRow() throws Exception {
    assertThat(CLI.ca(dir, "init", "--intermediate").exit()).isZero();
    assertThat(CLI.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    assertThat(CLI.ca(dir, "issue", "client", "--name", "bob", "--role", "viewer").exit()).isZero();
    X509Certificate bob = TestCerts.read(dir.resolve("clients/bob.crt")).get(0);
    String serial = bob.getSerialNumber().toString(16);
    assertThat(CLI.ca(dir, "revoke", "--serial", serial, "--reason", "keyCompromise").exit()).isZero();

    char[] passphrase = Cli.PASSPHRASE.toCharArray();
    try (CertificateAuthority ca = CertificateAuthority.open(dir);
        CaService service = CaService.start(ca, ca.unlock(passphrase),
            JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase),
            new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null), Clock.systemUTC());
        Connection sql = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ca/ca.db"))) {
      String readyz = service.baseUrl() + "/readyz";
      assertThat(Ocsp.get(readyz).statusCode()).isEqualTo(200);
      long revokedAt;
      try (Statement statement = sql.createStatement()) {
        var rs = statement.executeQuery("SELECT revoked_at FROM certificates WHERE serial = '" + serial + "'");
        rs.next();
        revokedAt = rs.getLong(1);
        rs.close();
        statement.executeUpdate("UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL"
            + " WHERE serial = '" + serial + "'");
      }
      HttpResponse<byte[]> ready = until(readyz, 503);
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(new String(ready.body(), StandardCharsets.UTF_8))
          .contains("certificate " + serial + " does not match audit entry");

      try (Statement statement = sql.createStatement()) {
        statement.executeUpdate("UPDATE certificates SET revoked_at = " + revokedAt + ", revocation_reason = 1"
            + " WHERE serial = '" + serial + "'");
      }
      assertThat(until(readyz, 200).statusCode()).isEqualTo(200);
    }
  }

  /** Polls (liveness bound only: the watcher polls the store every 200 ms) until {@code status}. */
  private static HttpResponse<byte[]> until(String url, int status) throws Exception {
    long start = System.nanoTime();
    HttpResponse<byte[]> response = Ocsp.get(url);
    while (response.statusCode() != status && System.nanoTime() - start < Duration.ofSeconds(15).toNanos()) {
      Thread.sleep(50);
      response = Ocsp.get(url);
    }
    return response;
  }
}
