package io.gatehouse.ca.db;

import io.gatehouse.ca.provisioner.Provisioner;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The CA's durable memory: every issued certificate, every revocation, the CRL number and a
 * signed audit chain (see {@link AuditChain}). Each mutating call is committed (durably) before it
 * returns, so a caller may report success — and write certificate files — only after the call
 * returned. Mutating calls need an {@link #attach attached} {@link AuditSigner}: without the CA
 * key nothing can be written.
 *
 * <p>One implementation, {@link JdbcCertificateStore}, over two dialects: {@link
 * SqliteCertificateStore} (embedded, the default) and {@link PostgresCertificateStore} (several CA
 * nodes on one database).
 */
public interface CertificateStore extends AutoCloseable {
  /** Where the store is, for messages ({@code certs/ca/ca.db}, {@code postgresql://db:5432/ca}). */
  String describe();

  /** Lets this store write: every entry it appends is attributed to and signed by {@code signer}. */
  void attach(AuditSigner signer);

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
   * Revokes {@code serial} on behalf of the attached signer's actor.
   *
   * @return the revoked record
   * @throws StoreException when the serial is unknown or already revoked (nothing changes)
   */
  default CertificateRecord revoke(BigInteger serial, RevocationReason reason, Instant at)
      throws StoreException {
    return revoke(serial, reason, at, null);
  }

  /**
   * Revokes {@code serial}, recording {@code onBehalfOf} (e.g. a CA administrator's certificate
   * identity) beside the attached signer's actor; null for none.
   */
  CertificateRecord revoke(BigInteger serial, RevocationReason reason, Instant at, String onBehalfOf)
      throws StoreException;

  /** Increments and returns the CRL number; strictly increasing across processes and nodes. */
  long nextCrlNumber() throws StoreException;

  /** A counter that grows with every change made through Gatehouse (issuance, revocation, CRL). */
  long revision() throws StoreException;

  /**
   * A value that changes whenever anything was committed to the store, including edits made
   * outside Gatehouse where the database can tell (SQLite's {@code data_version}). Cheap to poll.
   */
  long changeMarker() throws StoreException;

  /** Entries from {@code fromSeq} on, every row and the counters, read in one transaction. */
  StoreSnapshot snapshot(long fromSeq) throws StoreException;

  /**
   * Entries from {@code fromSeq} on, only the rows the entries after {@code fromSeq} bind, and the
   * counters, read in one transaction: what a reader that verified up to {@code fromSeq} needs to
   * check a change, at a cost that grows with the change, not with the store.
   */
  StoreDelta changesSince(long fromSeq) throws StoreException;

  /** Every revoked certificate (expired ones included), oldest first: what a CRL is built from. */
  default List<CertificateRecord> listRevoked() throws StoreException {
    return list().stream().filter(r -> r.revokedAt() != null).toList();
  }

  /** Writes the first entry of a new store: {@code init}, binding the issuing certificate. */
  void recordInit(String issuerCertificateDigest, Instant at) throws StoreException;

  /**
   * Whether the chain has a signed head. False only for a store written before keyed audit
   * (schema 1), until {@link #seal} runs.
   */
  boolean sealed() throws StoreException;

  /**
   * Migration from the unkeyed chain: checks the old hashes, then appends one {@code adopt} entry
   * per certificate row as it is now, signed by the attached signer.
   */
  void seal(Instant at) throws StoreException;

  /**
   * Whether this store pushes changes to {@link #subscribe} (PostgreSQL LISTEN/NOTIFY); when
   * false, readers poll {@link #changeMarker()}.
   */
  default boolean pushesChanges() {
    return false;
  }

  /**
   * Starts pushing changes to {@code listener} on a dedicated connection until the returned handle
   * is closed.
   *
   * @throws UnsupportedOperationException when {@link #pushesChanges()} is false
   */
  default AutoCloseable subscribe(ChangeListener listener) throws StoreException {
    throw new UnsupportedOperationException("this store does not push changes");
  }

  /**
   * Copies a whole store (rows, audit chain verbatim with its signatures, counters) into this one,
   * which must be empty. For {@code ca db copy}.
   */
  void importAll(StoreSnapshot everything) throws StoreException;

  /**
   * Verifies the whole chain and every row against it.
   *
   * @throws IntegrityException naming the first bad entry
   */
  default IntegrityReport verify(HeadVerifier verifier) throws StoreException {
    StoreSnapshot snapshot = snapshot(1);
    AuditChain chain = new AuditChain(verifier);
    chain.append(snapshot.entries());
    chain.checkSnapshot(snapshot);
    return new IntegrityReport(chain.headSeq(), snapshot.certificates().size(), chain.headSeq(),
        chain.headHash(), snapshot.crlNumber());
  }

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
