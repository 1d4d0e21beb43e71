package io.gatehouse.ca.db;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a long-running reader ({@code ca serve}) knows about the store's integrity: the audit chain
 * verified so far, whether it has failed, and whether the store is currently reachable. The OCSP
 * responder asks it before every answer and checks each row it is about to assert against it, so
 * a row edited by hand is refused even before the change is noticed.
 *
 * <p>Two kinds of check, so that a change costs what it changed, not what the store holds:
 *
 * <ul>
 *   <li>{@link #refresh()} (on every change noticed, and before OCSP answers when needed): reads
 *       only the entries after the verified head (and checks that head is still there, unchanged),
 *       the rows those new entries name and the CRL number. A revocation or an issuance on another
 *       node costs each node a handful of row reads, whatever the store's size.
 *   <li>{@link #sweep()}: the whole store, every certificate and EST row against the chain (what
 *       {@code ca verify} does). It runs at start, every {@link #SWEEP_PERIOD} ({@link
 *       #sweepIfDue}), after a failure, when the store reports a change that no new audit entry
 *       explains ({@link #changed()}: every write through Gatehouse appends one, so such a change
 *       was made by hand), and before every EST, token and admin decision.
 * </ul>
 *
 * <p>Why an out-of-band edit (psql, sqlite3) of a row no new entry names is still caught: a row
 * is checked whenever it is read to assert something (OCSP: {@link #checkRow}; the CRL: {@link
 * #checkRevoked}; EST/token/admin: a full sweep first), an edit alone is a change no entry explains
 * and is swept at once, and an edit hidden behind a concurrent legitimate write is found by the
 * periodic sweep at the latest. docs/ca.md "Verification cost" has the same in operator terms.
 */
public final class StoreIntegrity {
  /**
   * How often {@code ca serve} checks every row, whatever happened: the bound on how long an
   * out-of-band edit of a row nobody asks about can go unnoticed when it arrived together with a
   * legitimate write. A sweep reads and hashes every row, which on a change was what made the
   * revoke-to-revoked window grow with the store; once a minute keeps it a small, fixed share.
   */
  public static final Duration SWEEP_PERIOD = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(StoreIntegrity.class);

  private final CertificateStore store;
  private final HeadVerifier verifier;
  private final Duration sweepPeriod;
  private AuditChain chain;
  private volatile String failure;
  private volatile Instant unreachableSince;
  private Instant nextSweep;
  /** Whether entries were taken in (by any check) since {@link #changed()} last ran, or a sweep covered the store. */
  private boolean entriesSinceLastChange;
  private final AtomicLong rowsChecked = new AtomicLong();
  private final AtomicLong sweeps = new AtomicLong();

  public StoreIntegrity(CertificateStore store, HeadVerifier verifier) {
    this(store, verifier, SWEEP_PERIOD);
  }

  /** With another sweep period (tests). */
  public StoreIntegrity(CertificateStore store, HeadVerifier verifier, Duration sweepPeriod) {
    this.store = store;
    this.verifier = verifier;
    this.sweepPeriod = sweepPeriod;
  }

  /**
   * Verifies what changed since the last call: the new entries and the rows they name (the whole
   * store on the first call, or after a failure). A mismatch is logged once, loudly, and makes
   * {@link #failed()} true; it is not thrown.
   *
   * @throws StoreException only when the store cannot be read
   */
  public synchronized void refresh() throws StoreException {
    incremental();
  }

  /**
   * What to call when the store reports a change (SQLite's change marker moved, a PostgreSQL
   * notification): {@link #refresh()}, then a {@link #sweep()} when no new entry explains the
   * change, that is when no entry arrived since the last change handled here (an OCSP check may
   * have taken them in first). Every write through Gatehouse appends one, so a change without
   * one was made by hand; a second notice of a change already handled costs a needless sweep.
   */
  public synchronized void changed() throws StoreException {
    if (!incremental() && !entriesSinceLastChange) {
      sweep();
    }
    entriesSinceLastChange = false;
  }

  /**
   * {@link #changed()} when the store says which tables changed (PostgreSQL's notification
   * payloads): a change that wrote no {@code audit} row was made by hand and is swept at once;
   * one that did is checked incrementally (no needless sweep for a notice already handled).
   */
  public synchronized void changed(boolean auditWritten) throws StoreException {
    if (!incremental() && !auditWritten) {
      sweep();
    }
    entriesSinceLastChange = false;
  }

  /**
   * Takes in what was written so far (this process's own start-up writes: OCSP signer, CRL) as
   * already noticed. Call right after reading the change marker a poller compares against, so the
   * first edit by hand is not taken for explained by entries written before that marker.
   */
  public synchronized void changeBaseline() throws StoreException {
    incremental();
    entriesSinceLastChange = false;
  }

  /** True when it swept instead (first call, or after a failure). */
  private boolean incremental() throws StoreException {
    if (chain == null || failure != null) {
      sweep();
      return true;
    }
    try {
      long head = chain.headSeq();
      StoreDelta delta = store.changesSince(head);
      List<AuditEntry> entries = delta.entries();
      requireHead(entries, head);
      chain.append(entries.subList(1, entries.size()));
      entriesSinceLastChange |= entries.size() > 1;
      rowsChecked.addAndGet(delta.certificateSerials().size() + delta.estKeys().size());
      chain.checkDelta(delta);
    } catch (IntegrityException e) {
      trip(e);
    }
    return false;
  }

  /**
   * Verifies every row against the chain, bringing the chain up to date first (from scratch on the
   * first call or after a failure). Clears a failure when the store verifies again.
   *
   * @throws StoreException only when the store cannot be read
   */
  public synchronized void sweep() throws StoreException {
    sweeps.incrementAndGet();
    try {
      if (chain == null || failure != null) {
        AuditChain fresh = new AuditChain(verifier);
        StoreSnapshot snapshot = store.snapshot(1);
        fresh.append(snapshot.entries());
        countRows(snapshot);
        entriesSinceLastChange = false; // every row was checked: a later notice with nothing new sweeps again
        fresh.checkSnapshot(snapshot);
        chain = fresh;
        if (failure != null) {
          LOG.warn("CA store {} verifies again (head entry {}): answering normally", store.describe(),
              fresh.headSeq());
          failure = null;
        }
        return;
      }
      long head = chain.headSeq();
      StoreSnapshot snapshot = store.snapshot(head);
      List<AuditEntry> entries = snapshot.entries();
      requireHead(entries, head);
      chain.append(entries.subList(1, entries.size()));
      countRows(snapshot);
      entriesSinceLastChange = false;
      chain.checkSnapshot(snapshot);
    } catch (IntegrityException e) {
      trip(e);
    }
  }

  /**
   * Sweeps when {@link #SWEEP_PERIOD} (or the configured period) has passed since the last timed
   * sweep; the first call only starts the period (start-up verified everything already).
   */
  public void sweepIfDue(Instant now) throws StoreException {
    synchronized (this) {
      if (nextSweep == null) {
        nextSweep = now.plus(sweepPeriod);
        return;
      }
      if (now.isBefore(nextSweep)) {
        return;
      }
      nextSweep = now.plus(sweepPeriod);
    }
    sweep();
  }

  /**
   * Checks the revoked rows a CRL is about to be built from: each must match the chain, and every
   * certificate a {@code revoke} entry names must be among them (else its row was un-revoked by
   * hand). Costs one check per revocation, not per certificate.
   *
   * @throws IntegrityException when a row contradicts the chain (the store is then failed)
   */
  public void checkRevoked(List<CertificateRecord> revoked) throws StoreException {
    Set<String> seen = new HashSet<>();
    for (CertificateRecord row : revoked) {
      seen.add(row.serialHex());
      checkRow(row.serial(), Optional.of(row));
    }
    Set<String> named;
    synchronized (this) {
      named = chain == null ? Set.of() : Set.copyOf(chain.revokedSerials());
    }
    for (String serial : named) {
      if (!seen.contains(serial)) { // read before its revocation, or un-revoked: read it again
        BigInteger value = new BigInteger(serial, 16);
        checkRow(value, store.find(value));
      }
    }
  }

  /** How many {@code revoke} entries the verified chain holds (0 before the first verification). */
  public synchronized long revocations() {
    return chain == null ? 0 : chain.revocations();
  }

  /** Rows (certificate and EST) checked against the chain so far: what a change costs, for tests and benchmarks. */
  public long rowsChecked() {
    return rowsChecked.get();
  }

  /** Whole-store sweeps run so far. */
  public long sweeps() {
    return sweeps.get();
  }

  private void countRows(StoreSnapshot snapshot) {
    rowsChecked.addAndGet(snapshot.certificates().size() + snapshot.est().provisioners().size()
        + snapshot.est().spentTokens().size() + snapshot.est().enrollments().size());
  }

  private void requireHead(List<AuditEntry> entries, long head) throws IntegrityException {
    if (entries.isEmpty() || entries.get(0).seq() != head
        || !entries.get(0).entryHash().equals(chain.headHash())) {
      throw new IntegrityException(head, "", "audit entry " + head + ", verified earlier, was removed"
          + " or rewritten (the chain was cut back or replaced)");
    }
  }

  /**
   * Checks a row the caller read (empty: the store has none) before asserting its status. A
   * mismatch is re-checked after a {@link #refresh()} (another process may have just written) and
   * only then fails the store.
   *
   * @throws IntegrityException when the row contradicts the verified chain
   */
  public synchronized void checkRow(BigInteger serial, Optional<CertificateRecord> row) throws StoreException {
    if (chain == null && failure == null) {
      refresh();
    }
    if (failure != null || chain == null) {
      throw new IntegrityException(0, serial.toString(16), failure == null ? "store not verified yet" : failure);
    }
    rowsChecked.incrementAndGet();
    try {
      chain.checkRow(serial, row);
    } catch (IntegrityException first) {
      refresh();
      if (failure != null) {
        throw new IntegrityException(0, serial.toString(16), failure);
      }
      Optional<CertificateRecord> again = store.find(serial);
      try {
        chain.checkRow(serial, again);
      } catch (IntegrityException e) {
        trip(e);
        throw e;
      }
    }
  }

  private void trip(IntegrityException e) {
    if (failure == null) {
      LOG.error("CA STORE INTEGRITY FAILURE in {}: {} -- OCSP answers tryLater and /readyz reports"
          + " not ready until 'gatehouse ca verify' passes", store.describe(), e.getMessage());
    }
    failure = e.getMessage();
  }

  /** True once a mismatch was found (until a later refresh verifies the whole store again). */
  public boolean failed() {
    return failure != null;
  }

  /** The first mismatch found, naming the entry; empty while the store verifies. */
  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  /** The store stopped telling us about changes at {@code since}; answers signed before it stay valid. */
  public void unreachable(Instant since, String reason) {
    if (unreachableSince == null) {
      unreachableSince = since;
      LOG.error("CA store {} is unreachable ({}): no new 'good' answers until it is back",
          store.describe(), reason);
    }
  }

  /** The store is reachable again; call after a {@link #refresh()} that covered the gap. */
  public void reachable() {
    unreachableSince = null;
  }

  /** When the store became unreachable, or null while it is reachable. */
  public Instant unreachableSince() {
    return unreachableSince;
  }

  /** Null when ready; else why not, for {@code /readyz}. */
  public String notReadyReason() {
    if (failure != null) {
      return "store integrity check failed: " + failure;
    }
    if (unreachableSince != null) {
      return "store unreachable since " + unreachableSince;
    }
    return chain == null ? "store not verified yet" : null;
  }
}
