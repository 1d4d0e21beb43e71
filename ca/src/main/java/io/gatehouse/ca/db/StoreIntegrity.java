package io.gatehouse.ca.db;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a long-running reader ({@code ca serve}) knows about the store's integrity: the audit chain
 * verified so far, whether it has failed, and whether the store is currently reachable. The OCSP
 * responder asks it before every answer and checks each row it is about to assert against it, so
 * a row edited by hand is refused even before the change is noticed.
 *
 * <p>Verification is incremental: {@link #refresh()} reads only the entries after the verified
 * head (and checks that head is still there, unchanged), then every row against the chain. After
 * a failure every refresh verifies from scratch, so a store put right is trusted again.
 */
public final class StoreIntegrity {
  private static final Logger LOG = LoggerFactory.getLogger(StoreIntegrity.class);

  private final CertificateStore store;
  private final HeadVerifier verifier;
  private AuditChain chain;
  private volatile String failure;
  private volatile Instant unreachableSince;

  public StoreIntegrity(CertificateStore store, HeadVerifier verifier) {
    this.store = store;
    this.verifier = verifier;
  }

  /**
   * Verifies what changed since the last call (everything on the first call, or after a failure).
   * A mismatch is logged once, loudly, and makes {@link #failed()} true; it is not thrown.
   *
   * @throws StoreException only when the store cannot be read
   */
  public synchronized void refresh() throws StoreException {
    try {
      if (chain == null || failure != null) {
        AuditChain fresh = new AuditChain(verifier);
        StoreSnapshot snapshot = store.snapshot(1);
        fresh.append(snapshot.entries());
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
      if (entries.isEmpty() || entries.get(0).seq() != head
          || !entries.get(0).entryHash().equals(chain.headHash())) {
        throw new IntegrityException(head, "", "audit entry " + head + ", verified earlier, was removed"
            + " or rewritten (the chain was cut back or replaced)");
      }
      chain.append(entries.subList(1, entries.size()));
      chain.checkSnapshot(snapshot);
    } catch (IntegrityException e) {
      trip(e);
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
