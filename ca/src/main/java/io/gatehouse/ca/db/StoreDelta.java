package io.gatehouse.ca.db;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one read transaction saw of a change: the audit entries from a given seq on and only the
 * rows those new entries name (see {@link CertificateStore#changesSince}). Its size grows with the
 * change, not with the store.
 *
 * @param entries audit entries with {@code seq >= fromSeq}, in order
 * @param certificateSerials hex serials of the certificate rows the entries after {@code fromSeq} bind
 * @param certificates those rows as stored, by hex serial (a serial absent here has no row)
 * @param estKeys audit subjects of the EST rows the entries after {@code fromSeq} bind
 * @param est those EST rows as stored (a key absent here has no row)
 * @param crlNumber the last CRL number handed out
 * @param revision the change counter
 */
public record StoreDelta(List<AuditEntry> entries, Set<String> certificateSerials,
    Map<String, CertificateRecord> certificates, Set<String> estKeys, EstRows est, long crlNumber,
    long revision) {
  public StoreDelta {
    entries = List.copyOf(entries);
    certificateSerials = Set.copyOf(certificateSerials);
    certificates = Map.copyOf(certificates);
    estKeys = Set.copyOf(estKeys);
  }

  /** How many rows this delta read (certificate and EST rows found). */
  public int rowsRead() {
    return certificates.size() + est.provisioners().size() + est.spentTokens().size()
        + est.enrollments().size();
  }
}
