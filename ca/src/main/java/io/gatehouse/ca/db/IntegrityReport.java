package io.gatehouse.ca.db;

/**
 * A store that verified: its chain is intact, signed by the CA, and every row matches it.
 *
 * @param entries number of audit entries
 * @param certificates number of certificate rows, each matching its latest entry
 * @param headSeq seq of the signed chain head
 * @param headHash hash of the signed chain head: record it outside the store to detect a
 *     rollback of the whole store
 * @param crlNumber the audited CRL number
 */
public record IntegrityReport(long entries, int certificates, long headSeq, String headHash, long crlNumber) {}
