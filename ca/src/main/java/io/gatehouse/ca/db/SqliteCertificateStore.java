package io.gatehouse.ca.db;

import io.gatehouse.ca.provisioner.Provisioner;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * {@link CertificateStore} in an embedded SQLite file ({@code certs/ca/ca.db}). WAL journal with
 * {@code synchronous=FULL}: a commit survives power loss, and another process (the OCSP responder)
 * reads while this one writes. SQL is plain ANSI apart from the connection pragmas.
 */
public final class SqliteCertificateStore implements CertificateStore {
  private static final int SCHEMA_VERSION = 1;
  private static final String GENESIS = "0".repeat(64);
  /** Below this much free space a failed write is reported as a full disk. */
  private static final long LOW_SPACE = 64 * 1024;
  private static final String COLUMNS =
      "serial, kind, subject, roles, not_before, not_after, issued_at, der, revoked_at, revocation_reason";

  private static final List<String> SCHEMA = List.of(
      "CREATE TABLE certificates ("
          + " serial VARCHAR(64) NOT NULL PRIMARY KEY,"
          + " kind VARCHAR(16) NOT NULL,"
          + " subject VARCHAR(1024) NOT NULL,"
          + " roles VARCHAR(4096) NOT NULL,"
          + " not_before BIGINT NOT NULL,"
          + " not_after BIGINT NOT NULL,"
          + " issued_at BIGINT NOT NULL,"
          + " der BLOB NOT NULL,"
          + " revoked_at BIGINT,"
          + " revocation_reason INTEGER)",
      "CREATE TABLE counters (name VARCHAR(32) NOT NULL PRIMARY KEY, counter_value BIGINT NOT NULL)",
      "CREATE TABLE audit ("
          + " seq BIGINT NOT NULL PRIMARY KEY,"
          + " at_millis BIGINT NOT NULL,"
          + " action VARCHAR(32) NOT NULL,"
          + " serial VARCHAR(64) NOT NULL,"
          + " detail VARCHAR(4096) NOT NULL,"
          + " prev_hash CHAR(64) NOT NULL,"
          + " entry_hash CHAR(64) NOT NULL)",
      "INSERT INTO counters (name, counter_value) VALUES ('schema', " + SCHEMA_VERSION + ")",
      "INSERT INTO counters (name, counter_value) VALUES ('crl_number', 0)",
      "INSERT INTO counters (name, counter_value) VALUES ('revision', 0)");

  private final Path file;
  private final Connection connection;

  private SqliteCertificateStore(Path file, Connection connection) {
    this.file = file;
    this.connection = connection;
  }

  /** Creates a new, empty store; refuses when {@code file} exists. */
  public static SqliteCertificateStore create(Path file) throws StoreException {
    if (Files.exists(file)) {
      throw new StoreException("certificate store " + file + " already exists");
    }
    SqliteCertificateStore store = connect(file);
    try (Statement statement = store.connection.createStatement()) {
      for (String sql : SCHEMA) {
        statement.executeUpdate(sql);
      }
      store.connection.commit();
    } catch (SQLException e) {
      store.close();
      throw new StoreException("cannot create certificate store " + file + ": " + e.getMessage(), e);
    }
    return store;
  }

  /** Opens an existing store, checking that it is a readable Gatehouse store. */
  public static SqliteCertificateStore open(Path file) throws StoreException {
    if (!Files.isRegularFile(file)) {
      throw new StoreException("certificate store " + file + " is missing: run 'gatehouse ca init' first");
    }
    SqliteCertificateStore store = connect(file);
    try {
      long schema = store.counter("schema");
      if (schema != SCHEMA_VERSION) {
        throw new StoreException("certificate store " + file + " has unsupported schema " + schema);
      }
      store.connection.commit();
    } catch (SQLException e) {
      store.close();
      throw cannotOpen(file, e);
    } catch (StoreException e) {
      store.close();
      throw e;
    }
    return store;
  }

  private static SqliteCertificateStore connect(Path file) throws StoreException {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    config.setBusyTimeout(10_000);
    try {
      Connection connection = config.createConnection("jdbc:sqlite:" + file);
      connection.setAutoCommit(false);
      return new SqliteCertificateStore(file, connection);
    } catch (SQLException e) {
      throw cannotOpen(file, e);
    }
  }

  /**
   * Why the store cannot be opened. Only real corruption says "restore from a backup": a full disk
   * or a read-only directory must not send an operator to overwrite a good store (and lose the
   * revocations made since the backup).
   */
  private static StoreException cannotOpen(Path file, SQLException e) {
    if (isCorruption(e)) {
      return new StoreException("certificate store " + file
          + " is unreadable or corrupt (" + oneLine(e) + "): restore it from a backup", e);
    }
    return new StoreException("certificate store " + file + " cannot be opened"
        + environmentHint(file, e) + " (" + oneLine(e) + ")", e);
  }

  private static boolean isCorruption(SQLException e) {
    int code = e instanceof SQLiteException sqlite ? sqlite.getResultCode().code & 0xff : -1;
    return code == SQLiteErrorCode.SQLITE_CORRUPT.code || code == SQLiteErrorCode.SQLITE_NOTADB.code;
  }

  /** ": the disk … is full" or ": … is read-only" when that is the cause, else "". */
  private static String environmentHint(Path file, SQLException e) {
    Path dir = file.toAbsolutePath().getParent();
    int code = e instanceof SQLiteException sqlite ? sqlite.getResultCode().code & 0xff : -1;
    if (code == SQLiteErrorCode.SQLITE_READONLY.code || !Files.isWritable(dir)) {
      return ": " + dir + " is read-only (the store writes its journal next to it; make it writable)";
    }
    try {
      if (code == SQLiteErrorCode.SQLITE_FULL.code || Files.getFileStore(dir).getUsableSpace() < LOW_SPACE) {
        return ": the disk holding " + dir + " is full (free some space and retry)";
      }
    } catch (IOException ignored) {
      // no better hint than SQLite's own message
    }
    return "";
  }

  @Override
  public synchronized void insert(CertificateRecord record) throws StoreException {
    String serial = record.serialHex();
    try {
      try (PreparedStatement exists =
          connection.prepareStatement("SELECT 1 FROM certificates WHERE serial = ?")) {
        exists.setString(1, serial);
        try (ResultSet rs = exists.executeQuery()) {
          if (rs.next()) {
            connection.rollback();
            throw new DuplicateSerialException(serial);
          }
        }
      }
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO certificates (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)")) {
        insert.setString(1, serial);
        insert.setString(2, record.kind().label());
        insert.setString(3, record.subject());
        insert.setString(4, String.join(",", record.roles()));
        insert.setLong(5, record.notBefore().toEpochMilli());
        insert.setLong(6, record.notAfter().toEpochMilli());
        insert.setLong(7, record.issuedAt().toEpochMilli());
        insert.setBytes(8, record.der());
        insert.executeUpdate();
      }
      audit(record.issuedAt(), "issue", serial,
          record.kind().label() + " " + record.subject() + " roles=" + String.join(",", record.roles()));
      bumpRevision();
      connection.commit();
    } catch (SQLException e) {
      throw failed("record certificate " + serial, e);
    }
  }

  @Override
  public synchronized Optional<CertificateRecord> find(BigInteger serial) throws StoreException {
    try (PreparedStatement query =
        connection.prepareStatement("SELECT " + COLUMNS + " FROM certificates WHERE serial = ?")) {
      query.setString(1, serial.toString(16));
      Optional<CertificateRecord> found;
      try (ResultSet rs = query.executeQuery()) {
        found = rs.next() ? Optional.of(read(rs)) : Optional.empty();
      }
      endRead();
      return found;
    } catch (SQLException e) {
      throw failed("read certificate", e);
    }
  }

  @Override
  public synchronized List<CertificateRecord> list() throws StoreException {
    List<CertificateRecord> records = new ArrayList<>();
    try {
      try (PreparedStatement query = connection.prepareStatement(
              "SELECT " + COLUMNS + " FROM certificates ORDER BY issued_at, serial");
          ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          records.add(read(rs));
        }
      }
      endRead();
      return records;
    } catch (SQLException e) {
      throw failed("list certificates", e);
    }
  }

  /**
   * Ends the read transaction once its statements are closed. Committing while a result set is
   * still open leaves SQLite's read snapshot in place, so this connection's next write would fail
   * with SQLITE_BUSY_SNAPSHOT after another process (the CLI beside {@code ca serve}) wrote.
   */
  private void endRead() throws SQLException {
    connection.commit();
  }

  @Override
  public synchronized CertificateRecord revoke(
      BigInteger serial, RevocationReason reason, Instant at) throws StoreException {
    String hex = serial.toString(16);
    try {
      int updated;
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE certificates SET revoked_at = ?, revocation_reason = ?"
              + " WHERE serial = ? AND revoked_at IS NULL")) {
        update.setLong(1, at.toEpochMilli());
        update.setInt(2, reason.code());
        update.setString(3, hex);
        updated = update.executeUpdate();
      }
      if (updated != 1) {
        connection.rollback();
        Optional<CertificateRecord> existing = find(serial);
        if (existing.isEmpty()) {
          throw new StoreException("serial " + hex + " was not issued by this CA: check 'gatehouse ca list'");
        }
        throw new StoreException("serial " + hex + " is already revoked (since "
            + existing.get().revokedAt() + ", " + existing.get().revocationReason() + ")");
      }
      audit(at, "revoke", hex, reason.rfcName());
      bumpRevision();
      connection.commit();
    } catch (SQLException e) {
      throw failed("revoke " + hex, e);
    }
    return find(serial).orElseThrow();
  }

  @Override
  public synchronized long nextCrlNumber() throws StoreException {
    try {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE counters SET counter_value = counter_value + 1 WHERE name = 'crl_number'")) {
        update.executeUpdate();
      }
      long number = counter("crl_number");
      connection.commit();
      return number;
    } catch (SQLException e) {
      throw failed("advance the CRL number", e);
    }
  }

  @Override
  public synchronized long revision() throws StoreException {
    try {
      long revision = counter("revision");
      connection.commit();
      return revision;
    } catch (SQLException e) {
      throw failed("read the store revision", e);
    }
  }

  @Override
  public synchronized long verifyAuditChain() throws StoreException {
    try (PreparedStatement query = connection.prepareStatement(
            "SELECT seq, at_millis, action, serial, detail, prev_hash, entry_hash FROM audit ORDER BY seq");
        ResultSet rs = query.executeQuery()) {
      String previous = GENESIS;
      long expectedSeq = 1;
      while (rs.next()) {
        long seq = rs.getLong(1);
        String hash = hash(previous, seq, rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5));
        if (seq != expectedSeq
            || !MessageDigest.isEqual(previous.getBytes(StandardCharsets.US_ASCII),
                rs.getString(6).getBytes(StandardCharsets.US_ASCII))
            || !MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII),
                rs.getString(7).getBytes(StandardCharsets.US_ASCII))) {
          throw new StoreException("audit chain of " + file + " is broken at entry " + seq);
        }
        previous = hash;
        expectedSeq++;
      }
      connection.commit();
      return expectedSeq - 1;
    } catch (SQLException e) {
      throw failed("read the audit chain", e);
    }
  }

  // ---- EST (issue 14): the tables live in EstTables' own schema block, created on first use ----

  private boolean estTablesReady;

  private void ensureEstTables() throws SQLException {
    if (!estTablesReady) {
      EstTables.ensure(connection);
      connection.commit();
      estTablesReady = true;
    }
  }

  @Override
  public synchronized void addProvisioner(Provisioner provisioner, Instant at) throws StoreException {
    try {
      ensureEstTables();
      if (!EstTables.insertProvisioner(connection, provisioner, at)) {
        connection.rollback();
        throw new StoreException("provisioner '" + provisioner.name()
            + "' already exists: remove it first or choose another name");
      }
      audit(at, "provisioner-add", "-", provisioner.name() + " " + EstTables.describe(provisioner));
      connection.commit();
    } catch (SQLException e) {
      throw failed("add provisioner " + provisioner.name(), e);
    }
  }

  @Override
  public synchronized Optional<Provisioner> findProvisioner(String name) throws StoreException {
    try {
      ensureEstTables();
      Optional<Provisioner> found = EstTables.findProvisioner(connection, name);
      endRead();
      return found;
    } catch (SQLException e) {
      throw failed("read provisioner", e);
    }
  }

  @Override
  public synchronized List<Provisioner> listProvisioners() throws StoreException {
    try {
      ensureEstTables();
      List<Provisioner> all = EstTables.listProvisioners(connection);
      endRead();
      return all;
    } catch (SQLException e) {
      throw failed("list provisioners", e);
    }
  }

  @Override
  public synchronized boolean removeProvisioner(String name, Instant at) throws StoreException {
    try {
      ensureEstTables();
      if (!EstTables.deleteProvisioner(connection, name)) {
        connection.rollback();
        return false;
      }
      audit(at, "provisioner-remove", "-", name);
      connection.commit();
      return true;
    } catch (SQLException e) {
      throw failed("remove provisioner " + name, e);
    }
  }

  @Override
  public synchronized boolean spendEnrollmentToken(String jti, String provisioner, String subject,
      Instant expiresAt, Instant at) throws StoreException {
    try {
      ensureEstTables();
      if (!EstTables.spendToken(connection, jti, provisioner, subject, expiresAt, at)) {
        connection.rollback();
        return false;
      }
      audit(at, "enroll-token-spent", "-", "provisioner=" + provisioner + " subject=" + subject + " jti=" + jti);
      connection.commit();
      return true;
    } catch (SQLException e) {
      throw failed("record the enrollment token", e);
    }
  }

  @Override
  public synchronized void recordEnrollment(BigInteger serial, String provisioner, Instant at)
      throws StoreException {
    try {
      ensureEstTables();
      EstTables.insertEnrollment(connection, serial, provisioner, at);
      audit(at, "est-enroll", serial.toString(16), "provisioner=" + provisioner);
      connection.commit();
    } catch (SQLException e) {
      throw failed("record the enrollment of " + serial.toString(16), e);
    }
  }

  @Override
  public synchronized Optional<String> enrollmentProvisioner(BigInteger serial) throws StoreException {
    try {
      ensureEstTables();
      Optional<String> found = EstTables.enrollmentProvisioner(connection, serial);
      endRead();
      return found;
    } catch (SQLException e) {
      throw failed("read the enrollment of " + serial.toString(16), e);
    }
  }

  @Override
  public synchronized void recordAuditEvent(Instant at, String action, String serial, String detail)
      throws StoreException {
    try {
      audit(at, action, serial, detail);
      connection.commit();
    } catch (SQLException e) {
      throw failed("record an audit event", e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // closing a read-only or broken connection has nothing left to lose
    }
  }

  private void audit(Instant at, String action, String serial, String detail) throws SQLException {
    long seq;
    String previous;
    try (PreparedStatement last = connection.prepareStatement(
            "SELECT seq, entry_hash FROM audit ORDER BY seq DESC LIMIT 1");
        ResultSet rs = last.executeQuery()) {
      seq = rs.next() ? rs.getLong(1) + 1 : 1;
      previous = seq == 1 ? GENESIS : rs.getString(2);
    }
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO audit (seq, at_millis, action, serial, detail, prev_hash, entry_hash)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?)")) {
      insert.setLong(1, seq);
      insert.setLong(2, at.toEpochMilli());
      insert.setString(3, action);
      insert.setString(4, serial);
      insert.setString(5, detail);
      insert.setString(6, previous);
      insert.setString(7, hash(previous, seq, at.toEpochMilli(), action, serial, detail));
      insert.executeUpdate();
    }
  }

  private static String hash(String previous, long seq, long at, String action, String serial, String detail) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      String canonical = String.join("\n", previous, Long.toString(seq), Long.toString(at), action, serial, detail);
      return HexFormat.of().formatHex(sha256.digest(canonical.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void bumpRevision() throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.executeUpdate(
          "UPDATE counters SET counter_value = counter_value + 1 WHERE name = 'revision'");
    }
  }

  private long counter(String name) throws SQLException {
    try (PreparedStatement query =
        connection.prepareStatement("SELECT counter_value FROM counters WHERE name = ?")) {
      query.setString(1, name);
      try (ResultSet rs = query.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException("counter " + name + " missing");
        }
        return rs.getLong(1);
      }
    }
  }

  private static CertificateRecord read(ResultSet rs) throws SQLException {
    String roles = rs.getString(4);
    long revokedAt = rs.getLong(9);
    boolean revoked = !rs.wasNull();
    int reason = rs.getInt(10);
    return new CertificateRecord(
        new BigInteger(rs.getString(1), 16),
        CertificateKind.fromLabel(rs.getString(2)),
        rs.getString(3),
        roles.isEmpty() ? List.of() : Arrays.asList(roles.split(",")),
        Instant.ofEpochMilli(rs.getLong(5)),
        Instant.ofEpochMilli(rs.getLong(6)),
        Instant.ofEpochMilli(rs.getLong(7)),
        rs.getBytes(8),
        revoked ? Instant.ofEpochMilli(revokedAt) : null,
        revoked ? RevocationReason.fromCode(reason) : null);
  }

  private StoreException failed(String what, SQLException e) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the original failure is the one worth reporting
    }
    return new StoreException("certificate store " + file + ": cannot " + what
        + environmentHint(file, e) + " (" + oneLine(e) + ")", e);
  }

  private static String oneLine(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.replaceAll("[\\r\\n]+", " ");
  }
}
