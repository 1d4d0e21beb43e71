package io.gatehouse.ca.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteCertificateStoreTest {
  @TempDir Path dir;

  private static CertificateRecord record(long serial, Instant now) {
    return new CertificateRecord(BigInteger.valueOf(serial), CertificateKind.CLIENT, "CN=c" + serial,
        List.of("a", "b"), now.minus(1, ChronoUnit.MINUTES), now.plus(1, ChronoUnit.DAYS), now,
        new byte[] {1, 2, 3}, null, null);
  }

  @Test
  void recordsAreDurableAcrossConnectionsAndSerialsUnique() throws Exception {
    Path file = dir.resolve("ca.db");
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    try (CertificateStore store = SqliteCertificateStore.create(file)) {
      store.insert(record(0xabc, now));
      assertThatThrownBy(() -> store.insert(record(0xabc, now))).isInstanceOf(DuplicateSerialException.class);
    }
    try (CertificateStore store = SqliteCertificateStore.open(file)) {
      CertificateRecord found = store.find(BigInteger.valueOf(0xabc)).orElseThrow();
      assertThat(found.roles()).containsExactly("a", "b");
      assertThat(found.der()).containsExactly(1, 2, 3);
      assertThat(found.notAfter()).isEqualTo(now.plus(1, ChronoUnit.DAYS));
      assertThat(found.status(now)).isEqualTo(CertificateStatus.VALID);
      assertThat(store.find(BigInteger.TEN)).isEmpty();
    }
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = raw.createStatement();
        ResultSet mode = sql.executeQuery("PRAGMA journal_mode")) {
      mode.next();
      assertThat(mode.getString(1)).isEqualTo("wal");
      // The UNIQUE constraint itself, not only the pre-check, forbids serial reuse.
      assertThatThrownBy(() -> sql.executeUpdate("INSERT INTO certificates"
          + " (serial, kind, subject, roles, not_before, not_after, issued_at, der)"
          + " VALUES ('abc', 'client', 'x', '', 0, 0, 0, x'00')")).hasMessageContaining("UNIQUE");
    }
  }

  @Test
  void revocationIsVisibleToAnotherConnectionAndFinal() throws Exception {
    Path file = dir.resolve("ca.db");
    Instant now = Instant.now();
    try (CertificateStore writer = SqliteCertificateStore.create(file);
        CertificateStore reader = SqliteCertificateStore.open(file)) {
      writer.insert(record(7, now));
      long before = reader.revision();
      CertificateRecord revoked = writer.revoke(BigInteger.valueOf(7), RevocationReason.KEY_COMPROMISE, now);
      assertThat(revoked.status(now)).isEqualTo(CertificateStatus.REVOKED);
      assertThat(reader.revision()).isGreaterThan(before);
      assertThat(reader.find(BigInteger.valueOf(7)).orElseThrow().revocationReason())
          .isEqualTo(RevocationReason.KEY_COMPROMISE);
      assertThatThrownBy(() -> reader.revoke(BigInteger.valueOf(7), RevocationReason.SUPERSEDED, now))
          .hasMessageContaining("already revoked");
      assertThatThrownBy(() -> reader.revoke(BigInteger.valueOf(8), RevocationReason.SUPERSEDED, now))
          .hasMessageContaining("not issued");
      assertThat(reader.find(BigInteger.valueOf(7)).orElseThrow().revocationReason())
          .isEqualTo(RevocationReason.KEY_COMPROMISE);
    }
  }

  @Test
  void readsLeaveNoSnapshotThatBreaksTheNextWriteAfterAnotherConnectionWrote() throws Exception {
    // ca serve reads (find, list) on its connection while the CLI writes on another; a read that
    // kept its snapshot made serve's next write (the CRL number) fail with SQLITE_BUSY_SNAPSHOT.
    Path file = dir.resolve("ca.db");
    Instant now = Instant.now();
    try (CertificateStore serve = SqliteCertificateStore.create(file);
        CertificateStore cli = SqliteCertificateStore.open(file)) {
      serve.insert(record(1, now));
      assertThat(serve.find(BigInteger.ONE)).isPresent();
      cli.insert(record(2, now));
      assertThat(serve.nextCrlNumber()).isEqualTo(1);
      assertThat(serve.list()).hasSize(2);
      cli.revoke(BigInteger.ONE, RevocationReason.SUPERSEDED, now);
      assertThat(serve.nextCrlNumber()).isEqualTo(2);
    }
  }

  @Test
  void crlNumberIsMonotonicAcrossConnections() throws Exception {
    Path file = dir.resolve("ca.db");
    try (CertificateStore a = SqliteCertificateStore.create(file);
        CertificateStore b = SqliteCertificateStore.open(file)) {
      long first = a.nextCrlNumber();
      long second = b.nextCrlNumber();
      long third = a.nextCrlNumber();
      assertThat(first).isEqualTo(1);
      assertThat(second).isEqualTo(2);
      assertThat(third).isEqualTo(3);
    }
  }

  @Test
  void auditChainDetectsTampering() throws Exception {
    Path file = dir.resolve("ca.db");
    Instant now = Instant.now();
    try (CertificateStore store = SqliteCertificateStore.create(file)) {
      store.insert(record(1, now));
      store.insert(record(2, now));
      store.revoke(BigInteger.ONE, RevocationReason.SUPERSEDED, now);
      assertThat(store.verifyAuditChain()).isEqualTo(3);
    }
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement sql = raw.createStatement()) {
      sql.executeUpdate("UPDATE audit SET detail = 'client CN=someone-else roles=admin' WHERE seq = 2");
    }
    try (CertificateStore store = SqliteCertificateStore.open(file)) {
      assertThatThrownBy(store::verifyAuditChain).hasMessageContaining("broken at entry 2");
    }
  }

  @Test
  void createRefusesAnExistingFile() throws Exception {
    Path file = dir.resolve("ca.db");
    SqliteCertificateStore.create(file).close();
    assertThatThrownBy(() -> SqliteCertificateStore.create(file)).hasMessageContaining("already exists");
    assertThatThrownBy(() -> SqliteCertificateStore.open(dir.resolve("missing.db")))
        .hasMessageContaining("missing");
  }
}
