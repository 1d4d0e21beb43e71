package io.gatehouse.ca.db;

import io.gatehouse.ca.provisioner.Provisioner;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link CertificateStore} over JDBC: the one implementation of the queries and of the audit
 * chain's writing rules; {@link SqlDialect} holds what SQLite and PostgreSQL do differently.
 *
 * <p>Every write transaction first takes the dialect's writer lock (PostgreSQL: {@code
 * pg_advisory_xact_lock}) and bumps the revision counter (which makes SQLite take its write lock
 * before any read, so no snapshot goes stale); it then reads the chain head, writes its rows and
 * entries, signs the new head and commits.
 */
public class JdbcCertificateStore implements CertificateStore {
  /**
   * Current schema. 1: unkeyed audit chain; 2: actor, row digest and head signature; 3: the EST
   * tables as store tables (bound by the chain, moved by {@code ca db copy}).
   */
  public static final int SCHEMA_VERSION = 3;
  static final String COLUMNS =
      "serial, kind, subject, roles, not_before, not_after, issued_at, der, revoked_at, revocation_reason";
  /** Longest detail of an event entry ({@link #recordAuditEvent}). */
  static final int MAX_EVENT_DETAIL = 512;
  static final String AUDIT_COLUMNS =
      "seq, at_millis, action, serial, actor, detail, row_digest, prev_hash, entry_hash, head_signature";

  /** Hands out connections: one shared connection (SQLite) or a pool (PostgreSQL). */
  interface ConnectionSource extends AutoCloseable {
    Connection acquire() throws SQLException;

    void release(Connection connection);

    @Override
    void close();
  }

  /** One unit of work in a transaction. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection connection) throws SQLException, StoreException;
  }

  private final String description;
  private final SqlDialect dialect;
  private final ConnectionSource connections;
  private volatile AuditSigner signer;

  JdbcCertificateStore(String description, SqlDialect dialect, ConnectionSource connections) {
    this.description = description;
    this.dialect = dialect;
    this.connections = connections;
  }

  @Override
  public String describe() {
    return description;
  }

  @Override
  public void attach(AuditSigner signer) {
    this.signer = signer;
  }

  @Override
  public void insert(CertificateRecord record) throws StoreException {
    String serial = record.serialHex();
    write("record certificate " + serial, connection -> {
      try (PreparedStatement exists =
          connection.prepareStatement("SELECT 1 FROM certificates WHERE serial = ?")) {
        exists.setString(1, serial);
        try (ResultSet rs = exists.executeQuery()) {
          if (rs.next()) {
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
      } catch (SQLException e) {
        if (dialect.isUniqueViolation(e)) {
          throw new DuplicateSerialException(serial);
        }
        throw e;
      }
      CertificateRecord stored = new CertificateRecord(record.serial(), record.kind(), record.subject(),
          record.roles(), record.notBefore(), record.notAfter(), record.issuedAt(), record.der(), null, null);
      Chain chain = new Chain(connection);
      chain.add(record.issuedAt(), AuditChain.ISSUE, serial,
          record.kind().label() + " " + record.subject() + " roles=" + String.join(",", record.roles()),
          AuditChain.rowDigest(stored));
      chain.sign();
      return null;
    });
  }

  @Override
  public Optional<CertificateRecord> find(BigInteger serial) throws StoreException {
    return read("read certificate", connection -> {
      try (PreparedStatement query =
          connection.prepareStatement("SELECT " + COLUMNS + " FROM certificates WHERE serial = ?")) {
        query.setString(1, serial.toString(16));
        try (ResultSet rs = query.executeQuery()) {
          return rs.next() ? Optional.of(readRecord(rs)) : Optional.<CertificateRecord>empty();
        }
      }
    });
  }

  @Override
  public List<CertificateRecord> list() throws StoreException {
    return read("list certificates", JdbcCertificateStore::listRows);
  }

  private static List<CertificateRecord> listRows(Connection connection) throws SQLException {
    List<CertificateRecord> records = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(
            "SELECT " + COLUMNS + " FROM certificates ORDER BY issued_at, serial");
        ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        records.add(readRecord(rs));
      }
    }
    return records;
  }

  @Override
  public CertificateRecord revoke(BigInteger serial, RevocationReason reason, Instant at, String onBehalfOf)
      throws StoreException {
    String hex = serial.toString(16);
    return write("revoke " + hex, connection -> {
      CertificateRecord existing;
      try (PreparedStatement query =
          connection.prepareStatement("SELECT " + COLUMNS + " FROM certificates WHERE serial = ?")) {
        query.setString(1, hex);
        try (ResultSet rs = query.executeQuery()) {
          if (!rs.next()) {
            throw new StoreException("serial " + hex + " was not issued by this CA: check 'gatehouse ca list'");
          }
          existing = readRecord(rs);
        }
      }
      if (existing.revokedAt() != null) {
        throw new StoreException("serial " + hex + " is already revoked (since "
            + existing.revokedAt() + ", " + existing.revocationReason() + ")");
      }
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE certificates SET revoked_at = ?, revocation_reason = ? WHERE serial = ? AND revoked_at IS NULL")) {
        update.setLong(1, at.toEpochMilli());
        update.setInt(2, reason.code());
        update.setString(3, hex);
        update.executeUpdate();
      }
      CertificateRecord revoked = new CertificateRecord(existing.serial(), existing.kind(),
          existing.subject(), existing.roles(), existing.notBefore(), existing.notAfter(),
          existing.issuedAt(), existing.der(), Instant.ofEpochMilli(at.toEpochMilli()), reason);
      Chain chain = new Chain(connection);
      chain.add(at, AuditChain.REVOKE, hex,
          reason.rfcName() + (onBehalfOf == null ? "" : " on behalf of " + oneLine(onBehalfOf)),
          AuditChain.rowDigest(revoked));
      chain.sign();
      return revoked;
    });
  }

  @Override
  public long nextCrlNumber() throws StoreException {
    return write("advance the CRL number", connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE counters SET counter_value = counter_value + 1 WHERE name = 'crl_number'")) {
        update.executeUpdate();
      }
      long number = counter(connection, "crl_number");
      Chain chain = new Chain(connection);
      chain.add(Instant.now(), AuditChain.CRL_NUMBER, "", Long.toString(number),
          AuditChain.valueDigest("crl_number", Long.toString(number)));
      chain.sign();
      return number;
    });
  }

  @Override
  public long revision() throws StoreException {
    return read("read the store revision", connection -> counter(connection, "revision"));
  }

  @Override
  public long changeMarker() throws StoreException {
    return read("read the store revision",
        connection -> dialect.changeMarker(connection, counter(connection, "revision")));
  }

  @Override
  public StoreSnapshot snapshot(long fromSeq) throws StoreException {
    return readSnapshot("read the audit chain", connection -> new StoreSnapshot(
        entries(connection, fromSeq), listRows(connection), counter(connection, "crl_number"),
        counter(connection, "revision"), EstTables.readAll(connection)));
  }

  @Override
  public StoreDelta changesSince(long fromSeq) throws StoreException {
    return readSnapshot("read the audit chain", connection -> {
      List<AuditEntry> entries = entries(connection, fromSeq);
      Set<String> serials = new LinkedHashSet<>();
      Set<String> estKeys = new LinkedHashSet<>();
      for (AuditEntry entry : entries) {
        if (entry.seq() <= fromSeq) {
          continue; // the verified head: its rows were checked when it was new
        }
        if (AuditChain.bindsEstRow(entry)) {
          estKeys.add(entry.subject());
        } else if (AuditChain.bindsCertificate(entry)) {
          serials.add(entry.subject());
        }
      }
      Map<String, CertificateRecord> rows = new HashMap<>();
      if (!serials.isEmpty()) {
        try (PreparedStatement query =
            connection.prepareStatement("SELECT " + COLUMNS + " FROM certificates WHERE serial = ?")) {
          for (String serial : serials) {
            query.setString(1, serial);
            try (ResultSet rs = query.executeQuery()) {
              if (rs.next()) {
                rows.put(serial, readRecord(rs));
              }
            }
          }
        }
      }
      return new StoreDelta(entries, serials, rows, estKeys, EstTables.readKeys(connection, estKeys),
          counter(connection, "crl_number"), counter(connection, "revision"));
    });
  }

  @Override
  public List<CertificateRecord> listRevoked() throws StoreException {
    return read("list revoked certificates", connection -> {
      List<CertificateRecord> records = new ArrayList<>();
      try (PreparedStatement query = connection.prepareStatement("SELECT " + COLUMNS
              + " FROM certificates WHERE revoked_at IS NOT NULL ORDER BY issued_at, serial");
          ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          records.add(readRecord(rs));
        }
      }
      return records;
    });
  }

  @Override
  public void recordInit(String issuerCertificateDigest, Instant at) throws StoreException {
    write("record the CA's creation", connection -> {
      if (lastEntry(connection) != null) {
        throw new StoreException(description + " already holds a CA's records: use an empty store");
      }
      Chain chain = new Chain(connection);
      chain.add(at, AuditChain.INIT, "", "issuing certificate sha256 " + issuerCertificateDigest,
          AuditChain.valueDigest("issuer", issuerCertificateDigest));
      chain.sign();
      return null;
    });
  }

  @Override
  public boolean sealed() throws StoreException {
    return read("read the audit chain", connection -> {
      try (Statement statement = connection.createStatement();
          ResultSet rs = statement.executeQuery("SELECT head_signature FROM audit ORDER BY seq DESC LIMIT 1")) {
        return rs.next() && rs.getBytes(1) != null;
      }
    });
  }

  @Override
  public void seal(Instant at) throws StoreException {
    write("seal the audit chain", connection -> {
      List<AuditEntry> entries = entries(connection, 1);
      AuditEntry previous = null;
      for (AuditEntry entry : entries) {
        String expectedPrev = previous == null ? AuditChain.GENESIS : previous.entryHash();
        if (entry.seq() != (previous == null ? 1 : previous.seq() + 1)
            || !entry.prevHash().equals(expectedPrev) || !entry.entryHash().equals(AuditChain.hash(entry))) {
          throw new IntegrityException(entry.seq(), entry.subject(), "cannot seal " + description
              + ": the unkeyed audit chain is already broken at " + entry.describe()
              + " (restore the store from a backup)");
        }
        previous = entry;
      }
      if (previous != null && previous.signature() != null) {
        return null; // another process sealed it meanwhile
      }
      Chain chain = new Chain(connection, previous);
      for (CertificateRecord row : listRows(connection)) {
        chain.add(at, AuditChain.ADOPT, row.serialHex(), "row as found when the chain was keyed",
            AuditChain.rowDigest(row));
      }
      EstRows est = EstTables.readAll(connection);
      for (EstRows.Provisioner row : est.provisioners()) {
        chain.add(at, AuditChain.ADOPT, row.key(), "row as found when the chain was keyed", row.digest());
      }
      for (EstRows.SpentToken row : est.spentTokens()) {
        chain.add(at, AuditChain.ADOPT, row.key(), "row as found when the chain was keyed", row.digest());
      }
      for (EstRows.Enrollment row : est.enrollments()) {
        chain.add(at, AuditChain.ADOPT, row.key(), "row as found when the chain was keyed", row.digest());
      }
      long crl = counter(connection, "crl_number");
      chain.add(at, AuditChain.CRL_NUMBER, "", Long.toString(crl),
          AuditChain.valueDigest("crl_number", Long.toString(crl)));
      chain.sign();
      return null;
    });
  }

  @Override
  public void importAll(StoreSnapshot everything) throws StoreException {
    write("import", connection -> {
      EstRows existing = EstTables.readAll(connection);
      if (lastEntry(connection) != null || !listRows(connection).isEmpty()
          || !existing.provisioners().isEmpty() || !existing.spentTokens().isEmpty()
          || !existing.enrollments().isEmpty()) {
        throw new StoreException(description + " is not empty: copy only into a fresh, migrated database");
      }
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO certificates (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (CertificateRecord r : everything.certificates()) {
          insert.setString(1, r.serialHex());
          insert.setString(2, r.kind().label());
          insert.setString(3, r.subject());
          insert.setString(4, String.join(",", r.roles()));
          insert.setLong(5, r.notBefore().toEpochMilli());
          insert.setLong(6, r.notAfter().toEpochMilli());
          insert.setLong(7, r.issuedAt().toEpochMilli());
          insert.setBytes(8, r.der());
          if (r.revokedAt() == null) {
            insert.setNull(9, java.sql.Types.BIGINT);
            insert.setNull(10, java.sql.Types.INTEGER);
          } else {
            insert.setLong(9, r.revokedAt().toEpochMilli());
            insert.setInt(10, r.revocationReason().code());
          }
          insert.addBatch();
        }
        insert.executeBatch();
      }
      EstTables.insertAll(connection, everything.est());
      for (AuditEntry entry : everything.entries()) {
        insertEntry(connection, entry);
      }
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE counters SET counter_value = ? WHERE name = 'crl_number'")) {
        update.setLong(1, everything.crlNumber());
        update.executeUpdate();
      }
      return null;
    }, false);
  }

  // ---- EST tables (issue 14), first-class store tables: docs/ca.md "EST tables" ----------------

  @Override
  public void addProvisioner(Provisioner provisioner, Instant at) throws StoreException {
    write("add provisioner " + provisioner.name(), connection -> {
      if (EstTables.exists(connection, "est_provisioners", "name", provisioner.name())) {
        throw new StoreException("provisioner '" + provisioner.name()
            + "' already exists: remove it first or choose another name");
      }
      EstRows.Provisioner row = EstTables.row(provisioner, at);
      EstTables.insertProvisioner(connection, row);
      Chain chain = new Chain(connection);
      chain.add(at, AuditChain.PROVISIONER_ADD, row.key(),
          provisioner.name() + " " + EstTables.describe(provisioner), row.digest());
      chain.sign();
      return null;
    });
  }

  @Override
  public Optional<Provisioner> findProvisioner(String name) throws StoreException {
    return read("read provisioner", connection -> EstTables.findProvisioner(connection, name));
  }

  @Override
  public List<Provisioner> listProvisioners() throws StoreException {
    return read("list provisioners", connection -> EstTables.readAll(connection).provisioners().stream()
        .map(EstTables::toProvisioner).toList());
  }

  @Override
  public boolean removeProvisioner(String name, Instant at) throws StoreException {
    return write("remove provisioner " + name, connection -> {
      if (!EstTables.deleteProvisioner(connection, name)) {
        return false;
      }
      String key = EstRows.provisionerKey(name);
      Chain chain = new Chain(connection);
      chain.add(at, AuditChain.PROVISIONER_REMOVE, key, name, EstRows.removedDigest(key));
      chain.sign();
      return true;
    });
  }

  @Override
  public boolean spendEnrollmentToken(String jti, String provisioner, String subject, Instant expiresAt,
      Instant at) throws StoreException {
    return write("record the enrollment token", connection -> {
      if (EstTables.exists(connection, "est_spent_tokens", "jti", jti)) {
        return false; // the caller audits the refusal
      }
      Chain chain = new Chain(connection);
      // Pruning is a write like any other: each removed row gets its entry, so the chain still
      // says which rows must be there.
      for (String expired : EstTables.expiredTokens(connection, at)) {
        EstTables.deleteToken(connection, expired);
        String key = EstRows.tokenKey(expired);
        chain.add(at, AuditChain.TOKEN_PRUNE, key, "past retention", EstRows.removedDigest(key));
      }
      EstRows.SpentToken row = new EstRows.SpentToken(jti, provisioner, subject, at.toEpochMilli(),
          expiresAt.toEpochMilli());
      EstTables.insertToken(connection, row);
      chain.add(at, AuditChain.TOKEN_SPENT, row.key(),
          "provisioner=" + provisioner + " subject=" + subject + " jti=" + jti, row.digest());
      chain.sign();
      return true;
    });
  }

  @Override
  public void recordEnrollment(BigInteger serial, String provisioner, Instant at) throws StoreException {
    write("record the enrollment of " + serial.toString(16), connection -> {
      EstRows.Enrollment row = new EstRows.Enrollment(serial.toString(16), provisioner, at.toEpochMilli());
      EstTables.insertEnrollment(connection, row);
      Chain chain = new Chain(connection);
      chain.add(at, AuditChain.EST_ENROLL, row.key(), "provisioner=" + provisioner, row.digest());
      chain.sign();
      return null;
    });
  }

  @Override
  public Optional<String> enrollmentProvisioner(BigInteger serial) throws StoreException {
    return read("read the enrollment of " + serial.toString(16),
        connection -> EstTables.enrollmentProvisioner(connection, serial));
  }

  /**
   * An event that changes no row (EST: {@code est-refuse}): a signed chain entry without a row
   * digest. The detail is cut to {@value #MAX_EVENT_DETAIL} characters, as it may quote what an
   * unauthenticated client sent; EST does not audit its 429s, so a flood meets the rate limits
   * before it meets the chain.
   */
  @Override
  public void recordAuditEvent(Instant at, String action, String serial, String detail) throws StoreException {
    String subject = serial == null || serial.isEmpty() ? "-" : serial;
    String cut = detail.length() > MAX_EVENT_DETAIL ? detail.substring(0, MAX_EVENT_DETAIL) + "…" : detail;
    write("record an audit event", connection -> {
      Chain chain = new Chain(connection);
      chain.add(at, action, subject.length() > 256 ? subject.substring(0, 256) : subject, cut, null);
      chain.sign();
      return null;
    });
  }

  @Override
  public void close() {
    connections.close();
  }

  /** Appends entries within one write transaction; {@link #sign()} signs the last as head. */
  private final class Chain {
    private final Connection connection;
    private final AuditSigner by;
    private long seq;
    private String previous;
    private AuditEntry last;

    Chain(Connection connection) throws SQLException, StoreException {
      this(connection, lastEntry(connection), false);
    }

    /** Continues a schema-1 chain whose (unsigned) head {@code legacyHead} was just checked. */
    Chain(Connection connection, AuditEntry legacyHead) throws SQLException, StoreException {
      this(connection, legacyHead, true);
    }

    private Chain(Connection connection, AuditEntry head, boolean legacy) throws SQLException, StoreException {
      this.connection = connection;
      this.by = signer;
      if (legacy) {
        this.seq = head == null ? 0 : head.seq();
        this.previous = head == null ? AuditChain.GENESIS : head.entryHash();
        return;
      }
      if (head != null && head.signature() == null) {
        // Signing on top of an unsigned head would vouch for whatever was written without the key.
        throw new IntegrityException(head.seq(), head.subject(), "audit " + head.describe()
            + " is the chain head but carries no CA signature: run 'gatehouse ca verify'; nothing was written");
      }
      this.seq = head == null ? 0 : head.seq();
      this.previous = head == null ? AuditChain.GENESIS : head.entryHash();
    }

    void add(Instant at, String action, String subject, String detail, String rowDigest) throws SQLException {
      seq++;
      AuditEntry draft = new AuditEntry(seq, at.toEpochMilli(), action, subject, oneLine(by.actor()),
          oneLine(detail), rowDigest, previous, null, null);
      AuditEntry entry = new AuditEntry(draft.seq(), draft.atMillis(), action, subject, draft.actor(),
          draft.detail(), rowDigest, previous, AuditChain.hash(draft), null);
      insertEntry(connection, entry);
      previous = entry.entryHash();
      last = entry;
    }

    void sign() throws SQLException {
      byte[] signature = by.sign(AuditChain.headMessage(last.seq(), last.entryHash()));
      try (PreparedStatement update =
          connection.prepareStatement("UPDATE audit SET head_signature = ? WHERE seq = ?")) {
        update.setBytes(1, signature);
        update.setLong(2, last.seq());
        update.executeUpdate();
      }
    }
  }

  private static void insertEntry(Connection connection, AuditEntry entry) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO audit (" + AUDIT_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setLong(1, entry.seq());
      insert.setLong(2, entry.atMillis());
      insert.setString(3, entry.action());
      insert.setString(4, entry.subject());
      insert.setString(5, entry.actor());
      insert.setString(6, entry.detail());
      insert.setString(7, entry.rowDigest());
      insert.setString(8, entry.prevHash());
      insert.setString(9, entry.entryHash());
      insert.setBytes(10, entry.signature());
      insert.executeUpdate();
    }
  }

  private static AuditEntry lastEntry(Connection connection) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(
            "SELECT " + AUDIT_COLUMNS + " FROM audit ORDER BY seq DESC LIMIT 1");
        ResultSet rs = query.executeQuery()) {
      return rs.next() ? readEntry(rs) : null;
    }
  }

  private static List<AuditEntry> entries(Connection connection, long fromSeq) throws SQLException {
    List<AuditEntry> entries = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(
        "SELECT " + AUDIT_COLUMNS + " FROM audit WHERE seq >= ? ORDER BY seq")) {
      query.setLong(1, fromSeq);
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          entries.add(readEntry(rs));
        }
      }
    }
    return entries;
  }

  private static AuditEntry readEntry(ResultSet rs) throws SQLException {
    return new AuditEntry(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4),
        rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
        rs.getBytes(10));
  }

  /** Runs a write transaction under the writer lock; needs an attached signer. */
  private <T> T write(String what, Work<T> work) throws StoreException {
    return write(what, work, true);
  }

  /**
   * @param signs false only for {@link #importAll}, which writes entries already signed and is
   *     verified by its caller right after
   */
  private <T> T write(String what, Work<T> work, boolean signs) throws StoreException {
    if (signs && signer == null) {
      throw new StoreException("cannot " + what + ": writing to the CA store needs the CA passphrase"
          + " (every write is signed into the audit chain)");
    }
    Connection connection = acquire(what);
    try {
      dialect.lockForWrite(connection);
      try (Statement statement = connection.createStatement()) {
        statement.executeUpdate("UPDATE counters SET counter_value = counter_value + 1 WHERE name = 'revision'");
      }
      T result = work.run(connection);
      connection.commit();
      return result;
    } catch (StoreException e) {
      rollback(connection);
      throw e;
    } catch (SQLException e) {
      throw failed(connection, what, e);
    } catch (RuntimeException e) {
      rollback(connection);
      throw e;
    } finally {
      connections.release(connection);
    }
  }

  /**
   * Runs a read transaction and ends it at once: an open SQLite read snapshot would make this
   * connection's next write fail after another process wrote.
   */
  private <T> T read(String what, Work<T> work) throws StoreException {
    Connection connection = acquire(what);
    try {
      T result = work.run(connection);
      connection.commit();
      return result;
    } catch (SQLException e) {
      throw failed(connection, what, e);
    } finally {
      connections.release(connection);
    }
  }

  /** {@link #read} in one snapshot of the store (what the dialect needs for consistent reads). */
  private <T> T readSnapshot(String what, Work<T> work) throws StoreException {
    Connection connection = acquire(what);
    try {
      dialect.beginSnapshot(connection);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } finally {
        dialect.endSnapshot(connection);
      }
    } catch (SQLException e) {
      throw failed(connection, what, e);
    } finally {
      connections.release(connection);
    }
  }

  private Connection acquire(String what) throws StoreException {
    try {
      return connections.acquire();
    } catch (SQLException e) {
      throw new StoreException(description + ": cannot " + what + dialect.explain(e), e);
    }
  }

  static long counter(Connection connection, String name) throws SQLException {
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

  static CertificateRecord readRecord(ResultSet rs) throws SQLException {
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

  private static void rollback(Connection connection) {
    try {
      connection.rollback();
    } catch (SQLException ignored) {
      // the original failure is the one worth reporting
    }
  }

  private StoreException failed(Connection connection, String what, SQLException e) {
    rollback(connection);
    return new StoreException(description + ": cannot " + what + dialect.explain(e), e);
  }

  static String oneLine(String text) {
    return text == null ? "" : text.replaceAll("[\\r\\n]+", " ");
  }
}
