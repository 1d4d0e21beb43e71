package io.gatehouse.ca.db;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The CA's durable memory: every issued certificate, every revocation, the CRL number and a
 * hash-chained audit log. Each mutating call is committed (durably) before it returns, so a caller
 * may report success — and write certificate files — only after the call returned.
 *
 * <p>Implementations: {@link SqliteCertificateStore}. The SQL is kept portable so a PostgreSQL
 * store can share it.
 */
public interface CertificateStore extends AutoCloseable {
  /**
   * Records a newly signed certificate.
   *
   * @throws DuplicateSerialException when the serial was ever used before
   */
  void insert(CertificateRecord record) throws StoreException;

  /** The certificate with {@code serial}, if this CA issued it. */
  Optional<CertificateRecord> find(BigInteger serial) throws StoreException;

  /** Every issued certificate, oldest first. */
  List<CertificateRecord> list() throws StoreException;

  /**
   * Revokes {@code serial}.
   *
   * @return the revoked record
   * @throws StoreException when the serial is unknown or already revoked (nothing changes)
   */
  CertificateRecord revoke(BigInteger serial, RevocationReason reason, Instant at)
      throws StoreException;

  /** Increments and returns the CRL number; strictly increasing across processes. */
  long nextCrlNumber() throws StoreException;

  /**
   * A counter that grows with every change (issuance, revocation). Cheap to poll: a process
   * serving status (OCSP) compares it to notice another process's revocation.
   */
  long revision() throws StoreException;

  /**
   * Re-computes the audit hash chain.
   *
   * @return the number of audit entries
   * @throws StoreException when an entry was altered, removed or inserted out of band
   */
  long verifyAuditChain() throws StoreException;

  @Override
  void close();
}
