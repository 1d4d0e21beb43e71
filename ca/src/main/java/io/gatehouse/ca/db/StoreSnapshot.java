package io.gatehouse.ca.db;

import java.util.List;

/**
 * What one read transaction saw: audit entries from a given seq on, every certificate, the
 * counters and the EST rows. Read at one instant, so a concurrent write never shows half.
 *
 * @param entries audit entries with {@code seq >= fromSeq}, in order
 * @param certificates every certificate row, oldest first
 * @param crlNumber the last CRL number handed out (0 before the first CRL)
 * @param revision the change counter
 * @param est every row of the EST tables
 */
public record StoreSnapshot(List<AuditEntry> entries, List<CertificateRecord> certificates,
    long crlNumber, long revision, EstRows est) {
  public StoreSnapshot {
    entries = List.copyOf(entries);
    certificates = List.copyOf(certificates);
  }
}
