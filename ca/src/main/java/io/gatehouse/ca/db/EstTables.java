package io.gatehouse.ca.db;

import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.ca.provisioner.Provisioner;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The EST schema block: provisioners, spent enrollment-token ids and which provisioner enrolled
 * which certificate. Kept apart from the core schema (certificates, counters, audit) and created
 * on first use with {@code CREATE TABLE IF NOT EXISTS}, so stores made before EST existed gain the
 * tables without a schema-version bump, and a read-only store still opens. Plain ANSI SQL; the
 * caller holds the connection's lock, audits and commits.
 */
final class EstTables {
  /** Spent token ids are kept this long past the token's expiry, then pruned (expired tokens fail anyway). */
  private static final Duration SPENT_RETENTION = Duration.ofDays(1);

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
      "name, kind, roles, name_pattern, dns_patterns, ip_patterns, max_ttl_seconds";

  private EstTables() {}

  static void ensure(Connection connection) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      for (String sql : SCHEMA) {
        statement.executeUpdate(sql);
      }
    }
  }

  /** False when a provisioner of that name exists. */
  static boolean insertProvisioner(Connection connection, Provisioner p, Instant at) throws SQLException {
    try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM est_provisioners WHERE name = ?")) {
      exists.setString(1, p.name());
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          return false;
        }
      }
    }
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO est_provisioners ("
        + PROVISIONER_COLUMNS + ", created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, p.name());
      insert.setString(2, p.kind().label());
      insert.setString(3, String.join(",", p.roles()));
      insert.setString(4, p.namePattern());
      insert.setString(5, String.join(",", p.dnsPatterns()));
      insert.setString(6, String.join(",", p.ipPatterns()));
      insert.setLong(7, p.maxTtl().getSeconds());
      insert.setLong(8, at.toEpochMilli());
      insert.executeUpdate();
    }
    return true;
  }

  static Optional<Provisioner> findProvisioner(Connection connection, String name) throws SQLException {
    try (PreparedStatement query = connection.prepareStatement(
        "SELECT " + PROVISIONER_COLUMNS + " FROM est_provisioners WHERE name = ?")) {
      query.setString(1, name);
      try (ResultSet rs = query.executeQuery()) {
        return rs.next() ? Optional.of(readProvisioner(rs)) : Optional.empty();
      }
    }
  }

  static List<Provisioner> listProvisioners(Connection connection) throws SQLException {
    List<Provisioner> all = new ArrayList<>();
    try (PreparedStatement query = connection.prepareStatement(
            "SELECT " + PROVISIONER_COLUMNS + " FROM est_provisioners ORDER BY name");
        ResultSet rs = query.executeQuery()) {
      while (rs.next()) {
        all.add(readProvisioner(rs));
      }
    }
    return all;
  }

  static boolean deleteProvisioner(Connection connection, String name) throws SQLException {
    try (PreparedStatement delete = connection.prepareStatement("DELETE FROM est_provisioners WHERE name = ?")) {
      delete.setString(1, name);
      return delete.executeUpdate() == 1;
    }
  }

  /** Records a spent token id; false when it was spent before. */
  static boolean spendToken(Connection connection, String jti, String provisioner, String subject,
      Instant expiresAt, Instant at) throws SQLException {
    try (PreparedStatement prune = connection.prepareStatement("DELETE FROM est_spent_tokens WHERE expires_at < ?")) {
      prune.setLong(1, at.minus(SPENT_RETENTION).toEpochMilli());
      prune.executeUpdate();
    }
    try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM est_spent_tokens WHERE jti = ?")) {
      exists.setString(1, jti);
      try (ResultSet rs = exists.executeQuery()) {
        if (rs.next()) {
          return false;
        }
      }
    }
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO est_spent_tokens (jti, provisioner, subject, used_at, expires_at) VALUES (?, ?, ?, ?, ?)")) {
      insert.setString(1, jti);
      insert.setString(2, provisioner);
      insert.setString(3, subject);
      insert.setLong(4, at.toEpochMilli());
      insert.setLong(5, expiresAt.toEpochMilli());
      insert.executeUpdate();
    }
    return true;
  }

  static void insertEnrollment(Connection connection, BigInteger serial, String provisioner, Instant at)
      throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement(
        "INSERT INTO est_enrollments (serial, provisioner, enrolled_at) VALUES (?, ?, ?)")) {
      insert.setString(1, serial.toString(16));
      insert.setString(2, provisioner);
      insert.setLong(3, at.toEpochMilli());
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

  private static Provisioner readProvisioner(ResultSet rs) throws SQLException {
    return new Provisioner(rs.getString(1), Provisioner.Kind.valueOf(rs.getString(2).toUpperCase(java.util.Locale.ROOT)),
        split(rs.getString(3)), rs.getString(4), split(rs.getString(5)), split(rs.getString(6)),
        Duration.ofSeconds(rs.getLong(7)));
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
