package io.gatehouse.ca.db;

/**
 * One row of the audit chain.
 *
 * @param seq position, 1-based and gapless
 * @param atMillis when the audited act happened (epoch millis)
 * @param action what happened ({@code init}, {@code issue}, {@code revoke}, {@code crl-number},
 *     {@code adopt}); see {@link AuditChain}
 * @param subject the row the entry binds: a certificate serial (hex), or "" for store-wide acts
 * @param actor who did it, null only for entries written before the chain was keyed (schema 1)
 * @param detail human-readable detail
 * @param rowDigest SHA-256 (hex) of the bound row's content after the act, or null
 * @param prevHash the previous entry's hash (64 zeros for the first)
 * @param entryHash SHA-256 over this entry's fields and {@code prevHash}
 * @param signature the CA's signature over this entry as chain head, or null when a later entry of
 *     the same transaction carries it
 */
public record AuditEntry(long seq, long atMillis, String action, String subject, String actor,
    String detail, String rowDigest, String prevHash, String entryHash, byte[] signature) {

  /** {@code entry 7 (revoke 3fa2…)}: how failures name an entry. */
  public String describe() {
    return "entry " + seq + " (" + action + (subject.isEmpty() ? "" : " " + subject) + ")";
  }
}
