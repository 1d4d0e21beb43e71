package io.gatehouse.ca.db;

import java.util.List;

/**
 * Every row of the EST tables as stored (docs/ca.md, "EST tables"): what {@code ca db copy} moves
 * and what {@link AuditChain#checkEstRows} compares with the chain. Each row is bound by the audit
 * entry whose {@code serial} column is its {@link #key}; its digest covers every column.
 *
 * @param provisioners est_provisioners
 * @param spentTokens est_spent_tokens
 * @param enrollments est_enrollments
 */
public record EstRows(List<Provisioner> provisioners, List<SpentToken> spentTokens, List<Enrollment> enrollments) {
  public EstRows {
    provisioners = List.copyOf(provisioners);
    spentTokens = List.copyOf(spentTokens);
    enrollments = List.copyOf(enrollments);
  }

  /** No EST rows. */
  public static final EstRows NONE = new EstRows(List.of(), List.of(), List.of());

  /** The audit subject naming a provisioner row. */
  static String provisionerKey(String name) {
    return "provisioner:" + name;
  }

  /** The audit subject naming a spent-token row. */
  static String tokenKey(String jti) {
    return "token:" + jti;
  }

  /** The audit subject naming an enrollment row. */
  static String enrollmentKey(String serialHex) {
    return "enrollment:" + serialHex;
  }

  /** The digest an entry binds when it removed the row named {@code key}: the row must be absent. */
  static String removedDigest(String key) {
    return AuditChain.valueDigest("removed", key);
  }

  /** A row of est_provisioners, columns as stored. */
  public record Provisioner(String name, String kind, String roles, String namePattern, String dnsPatterns,
      String ipPatterns, long maxTtlSeconds, long createdAt) {
    String key() {
      return provisionerKey(name);
    }

    String digest() {
      return AuditChain.sha256Hex(AuditChain.canonical("est_provisioners", name, kind, roles, namePattern,
          dnsPatterns, ipPatterns, Long.toString(maxTtlSeconds), Long.toString(createdAt)));
    }
  }

  /** A row of est_spent_tokens. */
  public record SpentToken(String jti, String provisioner, String subject, long usedAt, long expiresAt) {
    String key() {
      return tokenKey(jti);
    }

    String digest() {
      return AuditChain.sha256Hex(AuditChain.canonical("est_spent_tokens", jti, provisioner, subject,
          Long.toString(usedAt), Long.toString(expiresAt)));
    }
  }

  /** A row of est_enrollments. */
  public record Enrollment(String serial, String provisioner, long enrolledAt) {
    String key() {
      return enrollmentKey(serial);
    }

    String digest() {
      return AuditChain.sha256Hex(AuditChain.canonical("est_enrollments", serial, provisioner,
          Long.toString(enrolledAt)));
    }
  }
}
