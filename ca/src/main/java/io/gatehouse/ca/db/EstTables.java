package io.gatehouse.ca.db;

import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.ca.provisioner.Provisioner;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The EST tables: provisioners, spent enrollment-token ids and which provisioner enrolled which
 * certificate. First-class store tables (docs/ca.md): written only inside the store's signed write
 * transaction, each row bound by an audit entry ({@link EstRows}), read by snapshots and moved by
 * {@code ca db copy}. Created with the SQLite schema (version 3, and by the 2 → 3 upgrade) and by
 * PostgreSQL's {@code V2__est_tables.sql}. Plain ANSI SQL; the caller holds the write transaction.
 */
final class EstTables {
  /** Spent token ids are kept this long past the token's expiry, then pruned (expired tokens fail anyway). */
  static final Duration SPENT_RETENTION = Duration.ofDays(1);

  // ---- EST schema block (issue 14) ---------------------------------------------------------
  static final List<String> SCHEMA = List.of(
      "CREATE TABLE IF NOT EXISTS est_provisioners ("
          + " name VARCHAR(64) NOT NULL PRIMARY KEY,"
          + " kind VARCHAR(16) NOT NULL,"
          + " roles VARCHAR(4096) NOT NULL,"
          + " name_pattern VARCHAR(256) NOT NULL,"
          + " dns_patterns VARCHAR(4096) NOT NULL,"
          + " ip_patterns VARCHAR(4096) NOT NULL,"
          + " max_ttl_seconds BIGINT NOT NULL,"
          + " created_at BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS est_spent_tokens ("
          + " jti VARCHAR(128) NOT NULL PRIMARY KEY,"
          + " provisioner VARCHAR(64) NOT NULL,"
          + " subject VARCHAR(256) NOT NULL,"
          + " used_at BIGINT NOT NULL,"
          + " expires_at BIGINT NOT NULL)",
      "CREATE TABLE IF NOT EXISTS est_enrollments ("
          + " serial VARCHAR(64) NOT NULL PRIMARY KEY,"
          + " provisioner VARCHAR(64) NOT NULL,"
          + " enrolled_at BIGINT NOT NULL)");
  // ---- end of EST schema block -------------------------------------------------------------

  private static final String PROVISIONER_COLUMNS =
      "name, kind, roles, name_pattern, dns_patterns, ip_patterns, max_ttl_seconds, created_at";
  private static final String TOKEN_COLUMNS = "jti, provisioner, subject, used_at, expires_at";
  private static final String ENROLLMENT_COLUMNS = "serial, provisioner, enrolled_at";

  private EstTables() {}

  static EstRows.Provisioner row(Provisioner p, Instant at) {
    return new EstRows.Provisioner(p.name(), p.kind().label(), String.join(",", p.roles()), p.namePattern(),
        String.join(",", p.dnsPatterns()), String.join(",", p.ipPatterns()), p.maxTtl().getSeconds(),
        at.toEpochMilli());
  }

  static boolean exists(Connection connection, String table, String column, String key) throws SQLException {
    try (PreparedStatement exists = connection.prepareStatement(
        "SELECT 1 FROM " + table + " WHERE " + column + " = ?")) {
      exists.setString(1, key);
      try (ResultSet rs = exists.executeQuery()) {
        return rs.next();
      }
    }
  }

  static void insertProvisioner(Connection connection, EstRows.Provisioner r) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO est_provisioners ("
        + PROVISIONER_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, r.name());
      insert.setString(2, r.kind());
      insert.setString(3, r.roles());
      insert.setString(4, r.namePattern());
      insert.setString(5, r.dnsPatterns());
      insert.setString(6, r.ipPatterns());
      insert.setLong(7, r.maxTtlSeconds());
      insert.setLong(8, r.createdAt());
      insert.executeUpdate();
    }
  }

  static Optional<Provisioner> findProvisioner(Connection connection, String name) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(
        "SELECT " + PROVISIONER_COLUMNS + " FROM est_provisioners WHERE name = ?")) {
      query.setString(1, name);
      try (ResultSet rs = query.executeQuery()) {
        return rs.next() ? Optional.of(toProvisioner(readProvisionerRow(rs))) : Optional.empty();
      }
    }
  }

  static boolean deleteProvisioner(Connection connection, String name) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement("DELETE FROM est_provisioners WHERE name = ?")) {
      delete.setString(1, name);
      return delete.executeUpdate() == 1;
    }
  }

  /** The jtis of spent tokens past their retention at {@code at}. */
  static List<String> expiredTokens(Connection connection, Instant at) throws SQLException {
    List<String> jtis = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(
        "SELECT jti FROM est_spent_tokens WHERE expires_at < ? ORDER BY jti")) {
      query.setLong(1, at.minus(SPENT_RETENTION).toEpochMilli());
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          jtis.add(rs.getString(1));
        }
      }
    }
    return jtis;
  }

  static void deleteToken(Connection connection, String jti) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement("DELETE FROM est_spent_tokens WHERE jti = ?")) {
      delete.setString(1, jti);
      delete.executeUpdate();
    }
  }

  static void insertToken(Connection connection, EstRows.SpentToken r) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO est_spent_tokens (jti, provisioner, subject, used_at, expires_at) VALUES (?, ?, ?, ?, ?)")) {
      insert.setString(1, r.jti());
      insert.setString(2, r.provisioner());
      insert.setString(3, r.subject());
      insert.setLong(4, r.usedAt());
      insert.setLong(5, r.expiresAt());
      insert.executeUpdate();
    }
  }

  static void insertEnrollment(Connection connection, EstRows.Enrollment r) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO est_enrollments (serial, provisioner, enrolled_at) VALUES (?, ?, ?)")) {
      insert.setString(1, r.serial());
      insert.setString(2, r.provisioner());
      insert.setLong(3, r.enrolledAt());
      insert.executeUpdate();
    }
  }

  static Optional<String> enrollmentProvisioner(Connection connection, BigInteger serial) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(
        "SELECT provisioner FROM est_enrollments WHERE serial = ?")) {
      query.setString(1, serial.toString(16));
      try (ResultSet rs = query.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /** Every EST row, in key order. */
  static EstRows readAll(Connection connection) throws SQLException {
    List<EstRows.Provisioner> provisioners = new ArrayList<>();
    List<EstRows.SpentToken> tokens = new ArrayList<>();
    List<EstRows.Enrollment> enrollments = new ArrayList<>();
    select(connection, "SELECT " + PROVISIONER_COLUMNS + " FROM est_provisioners ORDER BY name", null,
        EstTables::readProvisionerRow, provisioners);
    select(connection, "SELECT " + TOKEN_COLUMNS + " FROM est_spent_tokens ORDER BY jti", null,
        EstTables::readTokenRow, tokens);
    select(connection, "SELECT " + ENROLLMENT_COLUMNS + " FROM est_enrollments ORDER BY serial", null,
        EstTables::readEnrollmentRow, enrollments);
    return new EstRows(provisioners, tokens, enrollments);
  }

  /**
   * The EST rows named by {@code keys} (audit subjects: {@code provisioner:…}, {@code token:…},
   * {@code enrollment:…}); a key with no row is simply absent from the result.
   */
  static EstRows readKeys(Connection connection, java.util.Collection<String> keys) throws SQLException {
    List<EstRows.Provisioner> provisioners = new ArrayList<>();
    List<EstRows.SpentToken> tokens = new ArrayList<>();
    List<EstRows.Enrollment> enrollments = new ArrayList<>();
    String provisioner = EstRows.provisionerKey("");
    String token = EstRows.tokenKey("");
    String enrollment = EstRows.enrollmentKey("");
    for (String key : keys) {
      if (key.startsWith(provisioner)) {
        select(connection, "SELECT " + PROVISIONER_COLUMNS + " FROM est_provisioners WHERE name = ?",
            key.substring(provisioner.length()), EstTables::readProvisionerRow, provisioners);
      } else if (key.startsWith(token)) {
        select(connection, "SELECT " + TOKEN_COLUMNS + " FROM est_spent_tokens WHERE jti = ?",
            key.substring(token.length()), EstTables::readTokenRow, tokens);
      } else if (key.startsWith(enrollment)) {
        select(connection, "SELECT " + ENROLLMENT_COLUMNS + " FROM est_enrollments WHERE serial = ?",
            key.substring(enrollment.length()), EstTables::readEnrollmentRow, enrollments);
      }
    }
    return new EstRows(provisioners, tokens, enrollments);
  }

  /** One table row as its record. */
  private interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Adds the rows {@code sql} selects to {@code into}; {@code key}, when not null, is its one parameter. */
  private static <T> void select(Connection connection, String sql, String key, RowReader<T> reader,
      List<T> into) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(sql)) {
      if (key != null) {
        query.setString(1, key);
      }
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          into.add(reader.read(rs));
        }
      }
    }
  }

  /** Writes {@code rows} into empty tables ({@code ca db copy}). */
  static void insertAll(Connection connection, EstRows rows) throws SQLException {
    for (EstRows.Provisioner r : rows.provisioners()) {
      insertProvisioner(connection, r);
    }
    for (EstRows.SpentToken r : rows.spentTokens()) {
      insertToken(connection, r);
    }
    for (EstRows.Enrollment r : rows.enrollments()) {
      insertEnrollment(connection, r);
    }
  }

  private static EstRows.Provisioner readProvisionerRow(ResultSet rs) throws SQLException {
    return new EstRows.Provisioner(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        rs.getString(5), rs.getString(6), rs.getLong(7), rs.getLong(8));
  }

  private static EstRows.SpentToken readTokenRow(ResultSet rs) throws SQLException {
    return new EstRows.SpentToken(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
        rs.getLong(5));
  }

  private static EstRows.Enrollment readEnrollmentRow(ResultSet rs) throws SQLException {
    return new EstRows.Enrollment(rs.getString(1), rs.getString(2), rs.getLong(3));
  }

  static Provisioner toProvisioner(EstRows.Provisioner r) {
    return new Provisioner(r.name(), Provisioner.Kind.valueOf(r.kind().toUpperCase(java.util.Locale.ROOT)),
        split(r.roles()), r.namePattern(), split(r.dnsPatterns()), split(r.ipPatterns()),
        Duration.ofSeconds(r.maxTtlSeconds()));
  }

  private static List<String> split(String joined) {
    return joined.isEmpty() ? List.of() : Arrays.asList(joined.split(","));
  }

  /** For audit details. */
  static String describe(Provisioner p) {
    return p.kind().label() + " roles=" + String.join(",", p.roles()) + " name=" + p.namePattern()
        + " dns=" + String.join(",", p.dnsPatterns()) + " ip=" + String.join(",", p.ipPatterns())
        + " max-ttl=" + Ttl.format(p.maxTtl());
  }
}
