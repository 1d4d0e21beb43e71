package io.gatehouse.ca.db;

import io.gatehouse.ca.provisioner.Provisioner;
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

  // ---- EST (issue 14): provisioners, spent enrollment tokens, enrollments, audit events ----
  // Defaults refuse, so a store that does not hold the EST tables yet still compiles and fails closed.

  /**
   * Adds a provisioner (already validated).
   *
   * @throws StoreException when one of that name exists
   */
  default void addProvisioner(Provisioner provisioner, Instant at) throws StoreException {
    throw new StoreException("this certificate store does not hold provisioners");
  }

  /** The provisioner named {@code name}, as it is now. */
  default Optional<Provisioner> findProvisioner(String name) throws StoreException {
    throw new StoreException("this certificate store does not hold provisioners");
  }

  /** Every provisioner, by name. */
  default List<Provisioner> listProvisioners() throws StoreException {
    throw new StoreException("this certificate store does not hold provisioners");
  }

  /** Removes a provisioner; false when there was none of that name. */
  default boolean removeProvisioner(String name, Instant at) throws StoreException {
    throw new StoreException("this certificate store does not hold provisioners");
  }

  /**
   * Spends the one-time enrollment token {@code jti}: true the first time, false ever after (until
   * the record is pruned a day after {@code expiresAt}, when the token is refused as expired anyway).
   */
  default boolean spendEnrollmentToken(String jti, String provisioner, String subject, Instant expiresAt,
      Instant at) throws StoreException {
    throw new StoreException("this certificate store does not hold enrollment tokens");
  }

  /** Records that {@code provisioner} enrolled certificate {@code serial} (re-enrollment re-checks it). */
  default void recordEnrollment(BigInteger serial, String provisioner, Instant at) throws StoreException {
    throw new StoreException("this certificate store does not hold enrollments");
  }

  /** The provisioner that enrolled {@code serial}, if it came through EST. */
  default Optional<String> enrollmentProvisioner(BigInteger serial) throws StoreException {
    throw new StoreException("this certificate store does not hold enrollments");
  }

  /** Appends an entry to the audit chain (EST refusals and enrollments). */
  default void recordAuditEvent(Instant at, String action, String serial, String detail) throws StoreException {
    throw new StoreException("this certificate store cannot record audit events");
  }

  @Override
  void close();
}
