package io.gatehouse.ca.db;

/**
 * The store does not match its signed audit chain: a row or an entry was edited, deleted,
 * inserted or reordered outside Gatehouse, or the chain was recomputed without the CA key.
 */
public final class IntegrityException extends StoreException {
  private static final long serialVersionUID = 1L;

  private final long entry;
  private final String subject;

  /**
   * @param entry the first bad entry's seq, or 0 when the problem is a row no entry names
   * @param subject the certificate serial (hex) concerned, or ""
   */
  public IntegrityException(long entry, String subject, String message) {
    super(message);
    this.entry = entry;
    this.subject = subject;
  }

  /** The first bad entry's seq, or 0 when no entry is at fault (a row inserted out of band). */
  public long entry() {
    return entry;
  }

  /** The serial (hex) concerned, or "". */
  public String subject() {
    return subject;
  }
}
