package io.gatehouse.ca.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded SQLite file, plus what only SQLite has (schema-1 upgrade, WAL). */
class SqliteStoreContractTest extends CertificateStoreContract {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("ca.db");
  }

  @Override
  CertificateStore createStore() throws Exception {
    return SqliteCertificateStore.create(file());
  }

  @Override
  CertificateStore openAgain() throws Exception {
    return SqliteCertificateStore.open(file());
  }

  @Override
  Connection raw() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + file());
  }

  @Override
  String hexLiteral() {
    return "x'00'";
  }

  @Override
  CertificateStore freshTarget() throws Exception {
    return SqliteCertificateStore.create(dir.resolve("copy.db"));
  }

  @Test
  void usesWalAndRefusesToCreateOverAnExistingFile() throws Exception {
    store();
    try (Statement sql = sql().createStatement(); ResultSet mode = sql.executeQuery("PRAGMA journal_mode")) {
      mode.next();
      assertThat(mode.getString(1)).isEqualTo("wal");
    }
    assertThatThrownBy(() -> SqliteCertificateStore.create(file())).hasMessageContaining("already exists");
    assertThatThrownBy(() -> SqliteCertificateStore.open(dir.resolve("missing.db"))).hasMessageContaining("missing");
  }

  @Test
  void aSchemaOneStoreIsUpgradedAndSealedByTheFirstKeyHoldingWriter() throws Exception {
    // A store as Gatehouse wrote it before keyed audit: unkeyed SHA-256 chain, no signatures.
    try (Connection c = raw(); Statement s = c.createStatement()) {
      s.executeUpdate("CREATE TABLE certificates (serial VARCHAR(64) NOT NULL PRIMARY KEY, kind VARCHAR(16) NOT NULL,"
          + " subject VARCHAR(1024) NOT NULL, roles VARCHAR(4096) NOT NULL, not_before BIGINT NOT NULL,"
          + " not_after BIGINT NOT NULL, issued_at BIGINT NOT NULL, der BLOB NOT NULL, revoked_at BIGINT,"
          + " revocation_reason INTEGER)");
      s.executeUpdate("CREATE TABLE counters (name VARCHAR(32) NOT NULL PRIMARY KEY, counter_value BIGINT NOT NULL)");
      s.executeUpdate("CREATE TABLE audit (seq BIGINT NOT NULL PRIMARY KEY, at_millis BIGINT NOT NULL,"
          + " action VARCHAR(32) NOT NULL, serial VARCHAR(64) NOT NULL, detail VARCHAR(4096) NOT NULL,"
          + " prev_hash CHAR(64) NOT NULL, entry_hash CHAR(64) NOT NULL)");
      s.executeUpdate("INSERT INTO counters VALUES ('schema', 1), ('crl_number', 4), ('revision', 1)");
      s.executeUpdate("INSERT INTO certificates VALUES ('1f', 'client', 'CN=old', 'viewer', 0, 9999999999999, 5,"
          + " x'0102', NULL, NULL)");
      AuditEntry legacy = new AuditEntry(1, 5, "issue", "1f", null, "client CN=old roles=viewer", null,
          AuditChain.GENESIS, null, null);
      s.executeUpdate("INSERT INTO audit VALUES (1, 5, 'issue', '1f', 'client CN=old roles=viewer', '"
          + AuditChain.GENESIS + "', '" + AuditChain.hash(legacy) + "')");
    }
    CertificateStore store = openAgain();
    open.add(store);
    assertThat(store.sealed()).isFalse();
    assertThatThrownBy(() -> store.verify(signer.verifier())).hasMessageContaining("carries no CA signature");
    store.attach(signer);
    store.seal(Instant.now());
    IntegrityReport report = store.verify(signer.verifier());
    assertThat(report.certificates()).isEqualTo(1);
    assertThat(report.crlNumber()).isEqualTo(4);
    List<AuditEntry> entries = store.snapshot(1).entries();
    assertThat(entries).extracting(AuditEntry::action).containsExactly("issue", "adopt", "crl-number");
    assertThat(HexFormat.of().formatHex(store.find(java.math.BigInteger.valueOf(0x1f)).orElseThrow().der()))
        .isEqualTo("0102");
  }

  @Test
  void estRowsOfAPreSchemaThreeStoreAreAdoptedWhenSealedThenBound() throws Exception {
    // A store as EST wrote it before its tables joined the chain: schema 1 plus the EST tables.
    try (Connection c = raw(); Statement s = c.createStatement()) {
      s.executeUpdate("CREATE TABLE certificates (serial VARCHAR(64) NOT NULL PRIMARY KEY, kind VARCHAR(16) NOT NULL,"
          + " subject VARCHAR(1024) NOT NULL, roles VARCHAR(4096) NOT NULL, not_before BIGINT NOT NULL,"
          + " not_after BIGINT NOT NULL, issued_at BIGINT NOT NULL, der BLOB NOT NULL, revoked_at BIGINT,"
          + " revocation_reason INTEGER)");
      s.executeUpdate("CREATE TABLE counters (name VARCHAR(32) NOT NULL PRIMARY KEY, counter_value BIGINT NOT NULL)");
      s.executeUpdate("CREATE TABLE audit (seq BIGINT NOT NULL PRIMARY KEY, at_millis BIGINT NOT NULL,"
          + " action VARCHAR(32) NOT NULL, serial VARCHAR(64) NOT NULL, detail VARCHAR(4096) NOT NULL,"
          + " prev_hash CHAR(64) NOT NULL, entry_hash CHAR(64) NOT NULL)");
      s.executeUpdate("INSERT INTO counters VALUES ('schema', 1), ('crl_number', 0), ('revision', 1)");
      for (String ddl : EstTables.SCHEMA) {
        s.executeUpdate(ddl);
      }
      s.executeUpdate("INSERT INTO est_provisioners VALUES ('agents', 'client', 'viewer', 'agent-*', '', '', 86400, 5)");
      s.executeUpdate("INSERT INTO est_spent_tokens VALUES ('j1', 'agents', 'agent-1', 5, 6)");
      AuditEntry legacy = new AuditEntry(1, 5, "provisioner-add", "-", null, "agents", null,
          AuditChain.GENESIS, null, null);
      s.executeUpdate("INSERT INTO audit VALUES (1, 5, 'provisioner-add', '-', 'agents', '"
          + AuditChain.GENESIS + "', '" + AuditChain.hash(legacy) + "')");
    }
    CertificateStore store = openAgain();
    open.add(store);
    store.attach(signer);
    store.seal(Instant.now());
    store.verify(signer.verifier());
    assertThat(store.snapshot(1).entries()).extracting(AuditEntry::subject)
        .contains("provisioner:agents", "token:j1");
    assertThat(store.findProvisioner("agents").orElseThrow().roles()).containsExactly("viewer");
    sql().createStatement().executeUpdate("UPDATE est_provisioners SET roles = 'viewer,admin'");
    assertThatThrownBy(() -> store.verify(signer.verifier())).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("provisioner:agents").hasMessageContaining("adopt");
  }
}
