package io.gatehouse.ca.db;

/**
 * Signs the audit chain's head after every store write. Implemented over the CA's issuing key
 * (see {@code IssuerKey#auditSigner}), so whoever can write the store but lacks the CA passphrase
 * cannot append, edit or recompute entries without {@code ca verify} noticing.
 */
public interface AuditSigner {
  /** Who performs the writes, recorded in every entry (e.g. {@code alice (passphrase)}). */
  String actor();

  /** A signature over {@code message} by the issuing CA key. */
  byte[] sign(byte[] message);
}
