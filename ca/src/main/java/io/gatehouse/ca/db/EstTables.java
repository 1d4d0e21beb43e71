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
    try (PreparedStatement query = connection.prepareStatement(
            "SELECT " + PROVISIONER_COLUMNS + " FROM est_provisioners ORDER BY name");
        ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        provisioners.add(readProvisionerRow(rs));
      }
    }
    List<EstRows.SpentToken> tokens = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(
            "SELECT jti, provisioner, subject, used_at, expires_at FROM est_spent_tokens ORDER BY jti");
        ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        tokens.add(new EstRows.SpentToken(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
            rs.getLong(5)));
      }
    }
    List<EstRows.Enrollment> enrollments = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(
            "SELECT serial, provisioner, enrolled_at FROM est_enrollments ORDER BY serial");
        ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        enrollments.add(new EstRows.Enrollment(rs.getString(1), rs.getString(2), rs.getLong(3)));
      }
    }
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
    for (String key : keys) {
      if (key.startsWith(EstRows.provisionerKey(""))) {
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT " + PROVISIONER_COLUMNS + " FROM est_provisioners WHERE name = ?")) {
          query.setString(1, key.substring(EstRows.provisionerKey("").length()));
          try (ResultSet rs = query.executeQuery()) {
            if (rs.next()) {
              provisioners.add(readProvisionerRow(rs));
            }
          }
        }
      } else if (key.startsWith(EstRows.tokenKey(""))) {
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT jti, provisioner, subject, used_at, expires_at FROM est_spent_tokens WHERE jti = ?")) {
          query.setString(1, key.substring(EstRows.tokenKey("").length()));
          try (ResultSet rs = query.executeQuery()) {
            if (rs.next()) {
              tokens.add(new EstRows.SpentToken(rs.getString(1), rs.getString(2), rs.getString(3),
                  rs.getLong(4), rs.getLong(5)));
            }
          }
        }
      } else if (key.startsWith(EstRows.enrollmentKey(""))) {
        try (PreparedStatement query = connection.prepareStatement(
            "SELECT serial, provisioner, enrolled_at FROM est_enrollments WHERE serial = ?")) {
          query.setString(1, key.substring(EstRows.enrollmentKey("").length()));
          try (ResultSet rs = query.executeQuery()) {
            if (rs.next()) {
              enrollments.add(new EstRows.Enrollment(rs.getString(1), rs.getString(2), rs.getLong(3)));
            }
          }
        }
      }
    }
    return new EstRows(provisioners, tokens, enrollments);
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
