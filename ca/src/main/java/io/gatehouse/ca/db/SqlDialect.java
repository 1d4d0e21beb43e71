package io.gatehouse.ca.db;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What differs between the databases under {@link JdbcCertificateStore}; everything else —
 * queries, the audit chain, its verification — is shared.
 */
interface SqlDialect {
  /**
   * Serialises writers before a write transaction reads the chain head, so the chain stays linear
   * and serials and CRL numbers are decided under one lock.
   */
  void lockForWrite(Connection connection) throws SQLException;

  /** Prepares {@code connection} for a read transaction that must see one consistent snapshot. */
  void beginSnapshot(Connection connection) throws SQLException;

  /** Undoes {@link #beginSnapshot} before the connection is reused. */
  void endSnapshot(Connection connection) throws SQLException;

  /** Adds what only this database can tell about external changes to the revision counter. */
  long changeMarker(Connection connection, long revision) throws SQLException;

  /** Whether {@code e} is a primary-key violation. */
  boolean isUniqueViolation(SQLException e);

  /** A one-line explanation of {@code e} for an operator, with a hint when one is known. */
  String explain(SQLException e);
}
