package io.gatehouse.ca.db;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The audit chain's rules, in one place for every store dialect, and the verified state a reader
 * builds from it.
 *
 * <ul>
 *   <li>Each entry's hash covers its fields and the previous entry's hash, so entries cannot be
 *       edited, dropped or reordered without every later hash changing.
 *   <li>The last entry of every write transaction carries the issuing CA key's signature over
 *       {@code seq} and hash (the chain head). A writer without the CA passphrase can neither
 *       append nor recompute the chain: the final head would not verify.
 *   <li>An entry that changes a row binds the SHA-256 of the whole row after the change
 *       ({@link #rowDigest}). The latest entry naming a certificate must match that certificate's
 *       row, so editing a row (un-revoking it, say), deleting it or inserting one is detected.
 *   <li>The CRL number counter must equal the last {@code crl-number} entry.
 * </ul>
 *
 * <p>Not detectable from inside the store: replacing the whole store (rows and chain together)
 * with an older copy. {@code ca serve} remembers the head it verified and refuses one that moves
 * back; operators who need more record {@code ca verify --json}'s head outside the database.
 *
 * <p>A reader feeds entries in order to {@link #append} (at start all of them, later only new
 * ones), then checks every row with {@link #checkSnapshot}, only the rows the new entries name
 * with {@link #checkDelta}, or one at a time with {@link #checkRow}.
 */
public final class AuditChain {
  /** The {@code prevHash} of entry 1. */
  public static final String GENESIS = "0".repeat(64);

  /** The store was created ({@code ca init}); binds the issuing certificate. */
  public static final String INIT = "init";
  /** A certificate was recorded; binds its row. */
  public static final String ISSUE = "issue";
  /** A certificate was revoked; binds its row with the revocation. */
  public static final String REVOKE = "revoke";
  /** The CRL number advanced; binds the new number. */
  public static final String CRL_NUMBER = "crl-number";
  /**
   * A row that existed before the chain was keyed was taken over, as it was, by the first
   * passphrase-holding command (migration from schema 1).
   */
  public static final String ADOPT = "adopt";

  /** A provisioner was added; binds its est_provisioners row. */
  public static final String PROVISIONER_ADD = "provisioner-add";
  /** A provisioner was removed; binds the row's absence. */
  public static final String PROVISIONER_REMOVE = "provisioner-remove";
  /** An enrollment token was spent; binds its est_spent_tokens row. */
  public static final String TOKEN_SPENT = "enroll-token-spent";
  /** A spent token past its retention was pruned; binds the row's absence. */
  public static final String TOKEN_PRUNE = "enroll-token-prune";
  /** A certificate was enrolled over EST; binds its est_enrollments row. */
  public static final String EST_ENROLL = "est-enroll";
  /** An EST request was refused; binds no row (nothing was written but this entry). */
  public static final String EST_REFUSE = "est-refuse";

  /** Actions whose entry binds an EST row (subject: {@code provisioner:…}, {@code token:…}, {@code enrollment:…}). */
  private static final Set<String> EST_ROW_ACTIONS =
      Set.of(PROVISIONER_ADD, PROVISIONER_REMOVE, TOKEN_SPENT, TOKEN_PRUNE, EST_ENROLL);

  /** Actions whose entry binds a certificate row. */
  private static final Set<String> ROW_ACTIONS = Set.of(ISSUE, REVOKE, ADOPT);
  private static final byte[] HEAD_DOMAIN = "gatehouse-ca-audit-head/v2\n".getBytes(StandardCharsets.US_ASCII);

  /** The entry that last bound a certificate row. */
  private record Binding(String digest, AuditEntry entry) {}

  private final HeadVerifier verifier;
  private final Map<String, Binding> rows = new HashMap<>();
  private final Map<String, Binding> estRows = new HashMap<>();
  private long headSeq;
  private String headHash = GENESIS;
  private AuditEntry head;
  private long crlNumber;
  private boolean keyed;
  /** Serials a {@code revoke} entry names: their rows must be revoked. */
  private final java.util.Set<String> revokedSerials = new java.util.HashSet<>();
  private long revocations;

  public AuditChain(HeadVerifier verifier) {
    this.verifier = verifier;
  }

  /** The seq of the last verified entry (0 before any). */
  public long headSeq() {
    return headSeq;
  }

  /** The hash of the last verified entry. */
  public String headHash() {
    return headHash;
  }

  /** How many certificates the chain binds. */
  public int boundCertificates() {
    return rows.size();
  }

  /** How many {@code revoke} entries the chain holds: changes exactly when a revocation is recorded. */
  public long revocations() {
    return revocations;
  }

  /** Hex serials some {@code revoke} entry names. */
  public java.util.Set<String> revokedSerials() {
    return java.util.Collections.unmodifiableSet(revokedSerials);
  }

  /** Whether {@code entry} binds an EST row (its subject is the row's key). */
  static boolean bindsEstRow(AuditEntry entry) {
    return entry.rowDigest() != null && (EST_ROW_ACTIONS.contains(entry.action())
        || (ADOPT.equals(entry.action()) && entry.subject().contains(":")));
  }

  /** Whether {@code entry} binds a certificate row (its subject is the hex serial). */
  static boolean bindsCertificate(AuditEntry entry) {
    return entry.rowDigest() != null && ROW_ACTIONS.contains(entry.action()) && !bindsEstRow(entry);
  }

  /**
   * Verifies {@code entries} as the continuation of what was appended so far, and takes them in.
   * Every signature present is checked; the last entry must carry one.
   *
   * @throws IntegrityException naming the first bad entry
   */
  public void append(List<AuditEntry> entries) throws IntegrityException {
    for (AuditEntry entry : entries) {
      if (entry.seq() != headSeq + 1) {
        throw new IntegrityException(entry.seq(), entry.subject(), "audit " + entry.describe()
            + " is out of sequence: expected entry " + (headSeq + 1)
            + " (entries were deleted, inserted or reordered)");
      }
      if (!constantTimeEquals(entry.prevHash(), headHash)) {
        throw new IntegrityException(entry.seq(), entry.subject(), "audit " + entry.describe()
            + " does not link to entry " + headSeq + " (entries were removed or rewritten)");
      }
      if (!constantTimeEquals(entry.entryHash(), hash(entry))) {
        throw new IntegrityException(entry.seq(), entry.subject(), "audit " + entry.describe()
            + " was altered: its hash does not match its content");
      }
      if (entry.signature() != null && !verifier.verify(headMessage(entry.seq(), entry.entryHash()),
          entry.signature())) {
        throw new IntegrityException(entry.seq(), entry.subject(), "audit " + entry.describe()
            + " is not signed by the CA: the chain was rewritten without the CA key");
      }
      if (entry.actor() == null && keyed) {
        throw new IntegrityException(entry.seq(), entry.subject(), "audit " + entry.describe()
            + " claims the unkeyed format after the chain was keyed (rewritten without the CA key)");
      }
      keyed |= entry.actor() != null;
      if (entry.actor() != null && entry.rowDigest() == null
          && (ROW_ACTIONS.contains(entry.action()) || EST_ROW_ACTIONS.contains(entry.action()))) {
        throw new IntegrityException(entry.seq(), entry.subject(), "audit " + entry.describe()
            + " binds no row");
      }
      if (bindsEstRow(entry)) {
        estRows.put(entry.subject(), new Binding(entry.rowDigest(), entry));
      } else if (bindsCertificate(entry)) {
        rows.put(entry.subject(), new Binding(entry.rowDigest(), entry));
        if (REVOKE.equals(entry.action())) {
          revokedSerials.add(entry.subject());
          revocations++;
        }
      } else if (CRL_NUMBER.equals(entry.action())) {
        crlNumber = parseCrlNumber(entry);
      }
      headSeq = entry.seq();
      headHash = entry.entryHash();
      head = entry;
    }
    if (head != null && head.signature() == null) {
      throw new IntegrityException(head.seq(), head.subject(), "audit " + head.describe()
          + " is the chain head but carries no CA signature (written without the CA key,"
          + " or a store from before keyed audit: run a command that takes the CA passphrase)");
    }
  }

  /**
   * Checks every certificate row and the CRL number against the chain.
   *
   * @throws IntegrityException naming the entry a row contradicts, or the row no entry names
   */
  public void checkRows(List<CertificateRecord> records, long storedCrlNumber) throws IntegrityException {
    if (head == null) {
      throw new IntegrityException(0, "", "the audit chain is empty: the store was emptied or"
          + " replaced (restore it from a backup)");
    }
    Map<String, Binding> unseen = new HashMap<>(rows);
    IntegrityException first = null;
    for (CertificateRecord record : records) {
      unseen.remove(record.serialHex());
      try {
        checkRow(record.serial(), Optional.of(record));
      } catch (IntegrityException e) {
        first = earlier(first, e);
      }
    }
    for (Binding missing : unseen.values()) {
      first = earlier(first, missingRow(missing));
    }
    if (first != null) {
      throw first;
    }
    if (storedCrlNumber != crlNumber) {
      throw new IntegrityException(headSeq, "", "the CRL number in the store (" + storedCrlNumber
          + ") differs from the audited one (" + crlNumber + ")");
    }
  }

  /**
   * Checks only the rows a change's new entries name (after {@link #append}ing its entries) and the
   * CRL number: each named row must match the entry that last bound it, or be absent when that
   * entry removed it. Rows no new entry names are not read; see {@link StoreIntegrity} for how
   * they are still covered.
   *
   * @throws IntegrityException naming the entry a row contradicts
   */
  public void checkDelta(StoreDelta delta) throws IntegrityException {
    if (head == null) {
      throw new IntegrityException(0, "", "the audit chain is empty: the store was emptied or"
          + " replaced (restore it from a backup)");
    }
    IntegrityException first = null;
    for (String serial : delta.certificateSerials()) {
      try {
        checkRow(new BigInteger(serial, 16), Optional.ofNullable(delta.certificates().get(serial)));
      } catch (IntegrityException e) {
        first = earlier(first, e);
      } catch (NumberFormatException e) {
        first = earlier(first, new IntegrityException(0, serial, "audit entry names certificate '"
            + serial + "', which is no hex serial"));
      }
    }
    Map<String, String> actual = new HashMap<>();
    delta.est().provisioners().forEach(r -> actual.put(r.key(), r.digest()));
    delta.est().spentTokens().forEach(r -> actual.put(r.key(), r.digest()));
    delta.est().enrollments().forEach(r -> actual.put(r.key(), r.digest()));
    for (String key : delta.estKeys()) {
      IntegrityException e = checkEstRow(key, actual.get(key));
      if (e != null) {
        first = earlier(first, e);
      }
    }
    if (first != null) {
      throw first;
    }
    if (delta.crlNumber() != crlNumber) {
      throw new IntegrityException(headSeq, "", "the CRL number in the store (" + delta.crlNumber()
          + ") differs from the audited one (" + crlNumber + ")");
    }
  }

  /** Checks one EST row (null digest: no row) against the entry that last named its key; null when it matches. */
  private IntegrityException checkEstRow(String key, String actualDigest) {
    Binding binding = estRows.get(key);
    if (actualDigest == null) {
      if (binding != null && !constantTimeEquals(binding.digest(), EstRows.removedDigest(key))) {
        return new IntegrityException(binding.entry().seq(), key, "EST row " + key
            + " recorded by audit " + binding.entry().describe() + " is missing from the store (its row was deleted)");
      }
      return null;
    }
    if (binding == null) {
      return new IntegrityException(0, key,
          "EST row " + key + " is in the store but no audit entry records it (inserted out of band)");
    }
    if (constantTimeEquals(binding.digest(), EstRows.removedDigest(key))) {
      return new IntegrityException(binding.entry().seq(), key, "EST row " + key + " was removed by audit "
          + binding.entry().describe() + " but is back in the store (inserted out of band)");
    }
    if (!constantTimeEquals(binding.digest(), actualDigest)) {
      return new IntegrityException(binding.entry().seq(), key, "EST row " + key
          + " does not match audit " + binding.entry().describe() + " (its row was edited outside Gatehouse)");
    }
    return null;
  }

  /** Checks everything a snapshot holds: certificates, the CRL number and the EST rows. */
  public void checkSnapshot(StoreSnapshot snapshot) throws IntegrityException {
    checkRows(snapshot.certificates(), snapshot.crlNumber());
    checkEstRows(snapshot.est());
  }

  /**
   * Checks every EST row against the entry that last named it: each row must match its entry's
   * digest, and every row an entry recorded (and none removed) must be there.
   *
   * @throws IntegrityException naming the entry a row contradicts, or the row no entry names
   */
  public void checkEstRows(EstRows est) throws IntegrityException {
    Map<String, String> actual = new HashMap<>();
    est.provisioners().forEach(r -> actual.put(r.key(), r.digest()));
    est.spentTokens().forEach(r -> actual.put(r.key(), r.digest()));
    est.enrollments().forEach(r -> actual.put(r.key(), r.digest()));
    IntegrityException first = null;
    for (Map.Entry<String, String> row : actual.entrySet()) {
      IntegrityException e = checkEstRow(row.getKey(), row.getValue());
      if (e != null) {
        first = earlier(first, e);
      }
    }
    for (Map.Entry<String, Binding> bound : estRows.entrySet()) {
      String key = bound.getKey();
      if (!actual.containsKey(key) && !constantTimeEquals(bound.getValue().digest(), EstRows.removedDigest(key))) {
        first = earlier(first, new IntegrityException(bound.getValue().entry().seq(), key, "EST row " + key
            + " recorded by audit " + bound.getValue().entry().describe()
            + " is missing from the store (its row was deleted)"));
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * Checks one certificate as the store returned it (empty when the store has no such row).
   *
   * @throws IntegrityException when the row contradicts the chain
   */
  public void checkRow(BigInteger serial, Optional<CertificateRecord> record) throws IntegrityException {
    String hex = serial.toString(16);
    Binding binding = rows.get(hex);
    if (record.isEmpty()) {
      if (binding != null) {
        throw missingRow(binding);
      }
      return;
    }
    if (binding == null) {
      throw new IntegrityException(0, hex, "certificate " + hex
          + " is in the store but no audit entry records it (inserted out of band)");
    }
    if (!constantTimeEquals(binding.digest(), rowDigest(record.get()))) {
      throw new IntegrityException(binding.entry().seq(), hex, "certificate " + hex
          + " does not match audit " + binding.entry().describe()
          + " (its row was edited outside Gatehouse)");
    }
  }

  private static IntegrityException missingRow(Binding binding) {
    return new IntegrityException(binding.entry().seq(), binding.entry().subject(),
        "certificate " + binding.entry().subject() + " recorded by audit " + binding.entry().describe()
            + " is missing from the store (its row was deleted)");
  }

  /** The failure with the lowest entry number; a row no entry names (0) sorts last. */
  private static IntegrityException earlier(IntegrityException a, IntegrityException b) {
    if (a == null) {
      return b;
    }
    long ka = a.entry() == 0 ? Long.MAX_VALUE : a.entry();
    long kb = b.entry() == 0 ? Long.MAX_VALUE : b.entry();
    return kb < ka ? b : a;
  }

  private static long parseCrlNumber(AuditEntry entry) throws IntegrityException {
    try {
      return Long.parseLong(entry.detail());
    } catch (NumberFormatException e) {
      throw new IntegrityException(entry.seq(), "", "audit " + entry.describe() + " has no CRL number");
    }
  }

  /** What a head signature covers: a domain tag, the seq and the entry hash. */
  public static byte[] headMessage(long seq, String entryHash) {
    byte[] tail = (seq + "\n" + entryHash).getBytes(StandardCharsets.US_ASCII);
    byte[] message = new byte[HEAD_DOMAIN.length + tail.length];
    System.arraycopy(HEAD_DOMAIN, 0, message, 0, HEAD_DOMAIN.length);
    System.arraycopy(tail, 0, message, HEAD_DOMAIN.length, tail.length);
    return message;
  }

  /**
   * The entry hash. Entries without an actor were written by schema 1 (unkeyed chain) and keep its
   * formula; they are covered by the first signed head after them.
   */
  public static String hash(AuditEntry e) {
    if (e.actor() == null) {
      return sha256Hex(String.join("\n", e.prevHash(), Long.toString(e.seq()),
          Long.toString(e.atMillis()), e.action(), e.subject(), e.detail()).getBytes(StandardCharsets.UTF_8));
    }
    return sha256Hex(canonical("v2", e.prevHash(), Long.toString(e.seq()), Long.toString(e.atMillis()),
        e.action(), e.subject(), e.actor(), e.detail(), e.rowDigest() == null ? "-" : e.rowDigest()));
  }

  /** SHA-256 (hex) of everything stored for a certificate, revocation included. */
  public static String rowDigest(CertificateRecord r) {
    return sha256Hex(canonical("certificate", r.serialHex(), r.kind().label(), r.subject(),
        String.join(",", r.roles()), Long.toString(r.notBefore().toEpochMilli()),
        Long.toString(r.notAfter().toEpochMilli()), Long.toString(r.issuedAt().toEpochMilli()),
        HexFormat.of().formatHex(r.der()),
        r.revokedAt() == null ? "-" : Long.toString(r.revokedAt().toEpochMilli()),
        r.revocationReason() == null ? "-" : Integer.toString(r.revocationReason().code())));
  }

  /** SHA-256 (hex) binding a CRL number or another store-wide value. */
  public static String valueDigest(String name, String value) {
    return sha256Hex(canonical(name, value));
  }

  /** Length-prefixed fields: no field can run into the next, whatever it contains. */
  static byte[] canonical(String... fields) {
    StringBuilder text = new StringBuilder();
    for (String field : fields) {
      text.append(field.length()).append(':').append(field).append('\n');
    }
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  static String sha256Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean constantTimeEquals(String a, String b) {
    return a != null && b != null && MessageDigest.isEqual(
        a.getBytes(StandardCharsets.US_ASCII), b.getBytes(StandardCharsets.US_ASCII));
  }
}
