package io.gatehouse.ca.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link CertificateStore} must do, run against SQLite and a real PostgreSQL server:
 * durable records, unique serials, final revocations, monotonic CRL numbers, a linear chain under
 * concurrent writers, and detection of every kind of tampering done by hand in SQL.
 */
abstract class CertificateStoreContract {
  final TestSigner signer = new TestSigner();
  final List<AutoCloseable> open = new ArrayList<>();

  /** A new, empty store (schema in place). */
  abstract CertificateStore createStore() throws Exception;

  /** Another handle (another connection, as another process would have) on the same store. */
  abstract CertificateStore openAgain() throws Exception;

  /** A raw autocommit SQL connection to the same store, for tampering by hand. */
  abstract Connection raw() throws Exception;

  CertificateStore store() throws Exception {
    CertificateStore store = createStore();
    store.attach(signer);
    store.recordInit("00", Instant.now());
    open.add(store);
    return store;
  }

  CertificateStore another() throws Exception {
    CertificateStore store = openAgain();
    store.attach(signer);
    open.add(store);
    return store;
  }

  Connection sql() throws Exception {
    Connection connection = raw();
    open.add(connection);
    return connection;
  }

  @AfterEach
  void closeAll() throws Exception {
    Collections.reverse(open);
    for (AutoCloseable closeable : open) {
      closeable.close();
    }
  }

  static CertificateRecord record(long serial, Instant now) {
    return new CertificateRecord(BigInteger.valueOf(serial), CertificateKind.CLIENT, "CN=c" + serial,
        List.of("a", "b"), now.minus(1, ChronoUnit.MINUTES), now.plus(1, ChronoUnit.DAYS), now,
        new byte[] {1, 2, 3}, null, null);
  }

  private IntegrityException verifyFails(CertificateStore store) {
    try {
      store.verify(signer.verifier());
    } catch (IntegrityException e) {
      return e;
    } catch (StoreException e) {
      throw new AssertionError("not an integrity failure: " + e.getMessage(), e);
    }
    throw new AssertionError("the store verified, but it was tampered with");
  }

  private long seqOf(Connection sql, String action, long serial) throws Exception {
    try (PreparedStatement query = sql.prepareStatement("SELECT seq FROM audit WHERE action = ? AND serial = ?")) {
      query.setString(1, action);
      query.setString(2, Long.toHexString(serial));
      try (ResultSet rs = query.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getLong(1);
      }
    }
  }

  /** Three certificates, the first revoked: the common starting point of the tampering cases. */
  private CertificateStore populated() throws Exception {
    CertificateStore store = store();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    store.insert(record(1, now));
    store.insert(record(2, now));
    store.insert(record(3, now));
    store.revoke(BigInteger.ONE, RevocationReason.KEY_COMPROMISE, now);
    assertThat(store.verify(signer.verifier()).certificates()).isEqualTo(3);
    return store;
  }

  @Test
  void recordsAreDurableAcrossHandlesAndSerialsUnique() throws Exception {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    CertificateStore store = store();
    store.insert(record(0xabc, now));
    assertThatThrownBy(() -> store.insert(record(0xabc, now))).isInstanceOf(DuplicateSerialException.class);
    CertificateRecord found = another().find(BigInteger.valueOf(0xabc)).orElseThrow();
    assertThat(found.roles()).containsExactly("a", "b");
    assertThat(found.der()).containsExactly(1, 2, 3);
    assertThat(found.notAfter()).isEqualTo(now.plus(1, ChronoUnit.DAYS));
    assertThat(found.status(now)).isEqualTo(CertificateStatus.VALID);
    assertThat(store.find(BigInteger.TEN)).isEmpty();
    // The primary key itself, not only the pre-check, forbids serial reuse.
    assertThatThrownBy(() -> sql().createStatement().executeUpdate("INSERT INTO certificates"
        + " (serial, kind, subject, roles, not_before, not_after, issued_at, der)"
        + " VALUES ('abc', 'client', 'x', '', 0, 0, 0, " + hexLiteral() + ")"))
        .message().containsIgnoringCase("unique");
  }

  /** A one-byte binary literal in this database's syntax. */
  abstract String hexLiteral();

  /** Another new, empty store of the same kind (the target of {@code ca db copy}). */
  abstract CertificateStore freshTarget() throws Exception;

  // ---- EST tables: first-class store tables (docs/ca.md "EST tables") ------------------------

  static io.gatehouse.ca.provisioner.Provisioner provisioner(String name, String... roles) {
    return new io.gatehouse.ca.provisioner.Provisioner(name, io.gatehouse.ca.provisioner.Provisioner.Kind.CLIENT,
        List.of(roles), "agent-*", List.of(), List.of(), java.time.Duration.ofDays(7));
  }

  /** Two provisioners (one removed), a spent token, an enrollment: every EST write once. */
  private CertificateStore withEstRows() throws Exception {
    CertificateStore store = store();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    store.addProvisioner(provisioner("agents", "viewer"), now);
    store.addProvisioner(provisioner("gone", "viewer"), now);
    assertThat(store.removeProvisioner("gone", now)).isTrue();
    assertThat(store.spendEnrollmentToken("jti-1", "agents", "agent-1", now.plus(1, ChronoUnit.HOURS), now)).isTrue();
    store.insert(record(0x51, now));
    store.recordEnrollment(BigInteger.valueOf(0x51), "agents", now);
    store.recordAuditEvent(now, AuditChain.EST_REFUSE, "-", "simpleenroll from 192.0.2.1 status=400: bad CSR");
    return store;
  }

  private long seqOf(Connection sql, String action, String subject) throws Exception {
    try (PreparedStatement query = sql.prepareStatement("SELECT seq FROM audit WHERE action = ? AND serial = ?")) {
      query.setString(1, action);
      query.setString(2, subject);
      try (ResultSet rs = query.executeQuery()) {
        assertThat(rs.next()).as(action + " " + subject).isTrue();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void estWritesAreSignedChainEntriesBindingTheirRows() throws Exception {
    CertificateStore store = withEstRows();
    assertThat(store.verify(signer.verifier()).certificates()).isEqualTo(1);
    // Spending the same token again is refused and writes nothing.
    long head = store.snapshot(1).entries().size();
    assertThat(store.spendEnrollmentToken("jti-1", "agents", "agent-1", Instant.now().plusSeconds(60),
        Instant.now())).isFalse();
    assertThat(store.snapshot(1).entries()).hasSize((int) head);
    assertThat(another().findProvisioner("agents")).isPresent();
    assertThat(store.listProvisioners()).extracting(io.gatehouse.ca.provisioner.Provisioner::name)
        .containsExactly("agents");
    assertThat(store.enrollmentProvisioner(BigInteger.valueOf(0x51))).contains("agents");
    List<AuditEntry> entries = store.snapshot(1).entries();
    assertThat(entries).extracting(AuditEntry::action).contains(AuditChain.PROVISIONER_ADD,
        AuditChain.PROVISIONER_REMOVE, AuditChain.TOKEN_SPENT, AuditChain.EST_ENROLL, AuditChain.EST_REFUSE);
    AuditEntry spent = entries.stream().filter(e -> e.action().equals(AuditChain.TOKEN_SPENT)).findFirst().orElseThrow();
    assertThat(spent.subject()).isEqualTo("token:jti-1");
    assertThat(spent.rowDigest()).isNotNull();
    assertThat(spent.actor()).isEqualTo(signer.actor());
    // A refusal is an entry (audited, signed) but binds no row.
    assertThat(entries.get(entries.size() - 1).rowDigest()).isNull();
    assertThat(entries.get(entries.size() - 1).signature()).isNotNull();
    // Without the CA key nothing EST-related is written either.
    CertificateStore keyless = openAgain();
    open.add(keyless);
    assertThatThrownBy(() -> keyless.addProvisioner(provisioner("x", "viewer"), Instant.now()))
        .hasMessageContaining("needs the CA passphrase");
  }

  @Test
  void wideningAProvisionerBySqlNamesItsEntry() throws Exception {
    CertificateStore store = withEstRows();
    Connection sql = sql();
    long seq = seqOf(sql, AuditChain.PROVISIONER_ADD, "provisioner:agents");
    sql.createStatement().executeUpdate("UPDATE est_provisioners SET roles = 'admin' WHERE name = 'agents'");
    IntegrityException e = verifyFails(store);
    assertThat(e.entry()).isEqualTo(seq);
    assertThat(e.getMessage()).contains("provisioner:agents").contains("edited outside Gatehouse");
  }

  @Test
  void deletingASpentTokenOrResurrectingAProvisionerBySqlIsDetected() throws Exception {
    CertificateStore store = withEstRows();
    Connection sql = sql();
    long spent = seqOf(sql, AuditChain.TOKEN_SPENT, "token:jti-1");
    // Deleting the spent token would make the token usable again.
    sql.createStatement().executeUpdate("DELETE FROM est_spent_tokens WHERE jti = 'jti-1'");
    IntegrityException e = verifyFails(store);
    assertThat(e.entry()).isEqualTo(spent);
    assertThat(e.getMessage()).contains("token:jti-1").contains("was deleted");
    sql.createStatement().executeUpdate("INSERT INTO est_spent_tokens VALUES ('jti-1', 'agents', 'agent-1', "
        + spent(store) + ")");
    // A removed provisioner put back by hand.
    sql.createStatement().executeUpdate("INSERT INTO est_provisioners SELECT 'gone', kind, roles, name_pattern,"
        + " dns_patterns, ip_patterns, max_ttl_seconds, created_at FROM est_provisioners WHERE name = 'agents'");
    assertThat(verifyFails(store).getMessage()).contains("provisioner:gone").contains("is back in the store");
  }

  /** used_at, expires_at of the token row as the chain recorded it (read back from the snapshot). */
  private static String spent(CertificateStore store) throws Exception {
    AuditEntry entry = store.snapshot(1).entries().stream()
        .filter(e -> e.action().equals(AuditChain.TOKEN_SPENT)).findFirst().orElseThrow();
    // expires_at is one hour after the spend, as withEstRows() asked
    return entry.atMillis() + ", " + (entry.atMillis() + 3_600_000L);
  }

  @Test
  void dbCopyMovesTheEstRowsAndTheCopyVerifies() throws Exception {
    CertificateStore source = withEstRows();
    StoreSnapshot everything = source.snapshot(1);
    assertThat(everything.est().provisioners()).hasSize(1);
    assertThat(everything.est().spentTokens()).hasSize(1);
    assertThat(everything.est().enrollments()).hasSize(1);
    CertificateStore target = freshTarget();
    open.add(target);
    target.importAll(everything);
    IntegrityReport report = target.verify(signer.verifier());
    assertThat(report.certificates()).isEqualTo(1);
    assertThat(target.snapshot(1).est()).isEqualTo(everything.est());
    assertThat(target.findProvisioner("agents")).isPresent();
    target.attach(signer);
    // The spent token stays spent in the copy.
    assertThat(target.spendEnrollmentToken("jti-1", "agents", "agent-1", Instant.now().plusSeconds(60),
        Instant.now())).isFalse();
  }

  @Test
  void revocationIsVisibleToAnotherHandleAndFinal() throws Exception {
    Instant now = Instant.now();
    CertificateStore writer = store();
    CertificateStore reader = another();
    writer.insert(record(7, now));
    long before = reader.revision();
    CertificateRecord revoked = writer.revoke(BigInteger.valueOf(7), RevocationReason.KEY_COMPROMISE, now);
    assertThat(revoked.status(now)).isEqualTo(CertificateStatus.REVOKED);
    assertThat(reader.revision()).isGreaterThan(before);
    assertThat(reader.find(BigInteger.valueOf(7)).orElseThrow().revocationReason())
        .isEqualTo(RevocationReason.KEY_COMPROMISE);
    assertThatThrownBy(() -> reader.revoke(BigInteger.valueOf(7), RevocationReason.SUPERSEDED, now))
        .hasMessageContaining("already revoked");
    assertThatThrownBy(() -> reader.revoke(BigInteger.valueOf(8), RevocationReason.SUPERSEDED, now))
        .hasMessageContaining("not issued");
    assertThat(reader.find(BigInteger.valueOf(7)).orElseThrow().revocationReason())
        .isEqualTo(RevocationReason.KEY_COMPROMISE);
  }

  @Test
  void crlNumberIsMonotonicAcrossHandles() throws Exception {
    CertificateStore a = store();
    CertificateStore b = another();
    assertThat(a.nextCrlNumber()).isEqualTo(1);
    assertThat(b.nextCrlNumber()).isEqualTo(2);
    assertThat(a.nextCrlNumber()).isEqualTo(3);
    assertThat(b.verify(signer.verifier()).crlNumber()).isEqualTo(3);
  }

  @Test
  void writingNeedsTheCaKeyAndRecordsTheActor() throws Exception {
    store();
    CertificateStore unkeyed = openAgain();
    open.add(unkeyed);
    assertThatThrownBy(() -> unkeyed.insert(record(5, Instant.now())))
        .hasMessageContaining("needs the CA passphrase");
    assertThatThrownBy(() -> unkeyed.revoke(BigInteger.ONE, RevocationReason.SUPERSEDED, Instant.now()))
        .hasMessageContaining("needs the CA passphrase");
    assertThatThrownBy(unkeyed::nextCrlNumber).hasMessageContaining("needs the CA passphrase");
    CertificateStore keyed = another();
    keyed.insert(record(5, Instant.now()));
    keyed.revoke(BigInteger.valueOf(5), RevocationReason.SUPERSEDED, Instant.now(), "CN=admin-ann");
    List<AuditEntry> entries = unkeyed.snapshot(1).entries();
    AuditEntry revoke = entries.get(entries.size() - 1);
    assertThat(revoke.action()).isEqualTo("revoke");
    assertThat(revoke.actor()).isEqualTo("tester (passphrase)");
    assertThat(revoke.detail()).isEqualTo("superseded on behalf of CN=admin-ann");
    // Verification needs no secret: only the public half.
    assertThat(unkeyed.verify(signer.verifier()).entries()).isEqualTo(3);
  }

  @Test
  void unRevokingARowBySqlNamesTheRevokeEntry() throws Exception {
    CertificateStore store = populated();
    Connection sql = sql();
    long revokeSeq = seqOf(sql, "revoke", 1);
    sql.createStatement().executeUpdate(
        "UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL WHERE serial = '1'");
    IntegrityException failure = verifyFails(store);
    assertThat(failure.entry()).isEqualTo(revokeSeq);
    assertThat(failure.getMessage()).contains("certificate 1 does not match audit entry " + revokeSeq + " (revoke 1)");
  }

  @Test
  void editingAnEntryIsDetectedAtThatEntry() throws Exception {
    CertificateStore store = populated();
    Connection sql = sql();
    long seq = seqOf(sql, "issue", 2);
    sql.createStatement().executeUpdate("UPDATE audit SET detail = 'client CN=someone-else roles=admin' WHERE seq = " + seq);
    IntegrityException failure = verifyFails(store);
    assertThat(failure.entry()).isEqualTo(seq);
    assertThat(failure.getMessage()).contains("was altered");
  }

  @Test
  void recomputingTheChainWithoutTheKeyIsDetected() throws Exception {
    // The attacker un-revokes cert 1, rewrites its revoke entry to bind the un-revoked row, and
    // recomputes every hash from there on (the formula is public); only the signatures are beyond them.
    CertificateStore store = populated();
    Connection sql = sql();
    long revokeSeq = seqOf(sql, "revoke", 1);
    sql.createStatement().executeUpdate(
        "UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL WHERE serial = '1'");
    CertificateRecord unrevoked = store.find(BigInteger.ONE).orElseThrow();
    List<AuditEntry> entries = store.snapshot(1).entries();
    String previous = entries.get((int) revokeSeq - 2).entryHash();
    for (AuditEntry e : entries.subList((int) revokeSeq - 1, entries.size())) {
      String digest = e.seq() == revokeSeq ? AuditChain.rowDigest(unrevoked) : e.rowDigest();
      AuditEntry draft = new AuditEntry(e.seq(), e.atMillis(), e.action(), e.subject(), e.actor(), e.detail(),
          digest, previous, null, null);
      String hash = AuditChain.hash(draft);
      try (PreparedStatement update = sql.prepareStatement(
          "UPDATE audit SET row_digest = ?, prev_hash = ?, entry_hash = ? WHERE seq = ?")) {
        update.setString(1, digest);
        update.setString(2, previous);
        update.setString(3, hash);
        update.setLong(4, e.seq());
        update.executeUpdate();
      }
      previous = hash;
    }
    IntegrityException failure = verifyFails(store);
    assertThat(failure.entry()).isEqualTo(revokeSeq);
    assertThat(failure.getMessage()).contains("not signed by the CA");
  }

  @Test
  void deletingAnEntryIsDetected() throws Exception {
    CertificateStore store = populated();
    Connection sql = sql();
    long seq = seqOf(sql, "issue", 2);
    sql.createStatement().executeUpdate("DELETE FROM audit WHERE seq = " + seq);
    IntegrityException failure = verifyFails(store);
    assertThat(failure.entry()).isEqualTo(seq + 1);
    assertThat(failure.getMessage()).contains("out of sequence");
  }

  @Test
  void reorderingEntriesIsDetected() throws Exception {
    CertificateStore store = populated();
    Connection sql = sql();
    long two = seqOf(sql, "issue", 2);
    long three = seqOf(sql, "issue", 3);
    try (Statement statement = sql.createStatement()) {
      statement.executeUpdate("UPDATE audit SET seq = -1 WHERE seq = " + two);
      statement.executeUpdate("UPDATE audit SET seq = " + two + " WHERE seq = " + three);
      statement.executeUpdate("UPDATE audit SET seq = " + three + " WHERE seq = -1");
    }
    IntegrityException failure = verifyFails(store);
    assertThat(failure.entry()).isEqualTo(two);
    assertThat(failure.getMessage()).contains("does not link");
  }

  @Test
  void deletingARowIsDetected() throws Exception {
    CertificateStore store = populated();
    Connection sql = sql();
    long seq = seqOf(sql, "issue", 3);
    sql.createStatement().executeUpdate("DELETE FROM certificates WHERE serial = '3'");
    IntegrityException failure = verifyFails(store);
    assertThat(failure.entry()).isEqualTo(seq);
    assertThat(failure.getMessage()).contains("missing from the store");
  }

  @Test
  void insertingARowByHandIsDetected() throws Exception {
    CertificateStore store = populated();
    sql().createStatement().executeUpdate("INSERT INTO certificates"
        + " (serial, kind, subject, roles, not_before, not_after, issued_at, der)"
        + " VALUES ('ff', 'client', 'CN=mallory', 'admin', 0, 9999999999999, 0, " + hexLiteral() + ")");
    IntegrityException failure = verifyFails(store);
    assertThat(failure.subject()).isEqualTo("ff");
    assertThat(failure.getMessage()).contains("no audit entry records it");
  }

  @Test
  void rollingTheCrlNumberBackIsDetected() throws Exception {
    CertificateStore store = populated();
    store.nextCrlNumber();
    store.nextCrlNumber();
    sql().createStatement().executeUpdate("UPDATE counters SET counter_value = 1 WHERE name = 'crl_number'");
    assertThat(verifyFails(store).getMessage()).contains("CRL number");
  }

  @Test
  void strippingTheHeadSignatureIsDetectedAndBlocksFurtherWrites() throws Exception {
    // Without this, the next honest write would sign a head over whatever the attacker left.
    CertificateStore store = populated();
    sql().createStatement().executeUpdate("UPDATE audit SET head_signature = NULL"
        + " WHERE seq = (SELECT MAX(seq) FROM audit)");
    assertThat(verifyFails(store).getMessage()).contains("carries no CA signature");
    assertThatThrownBy(() -> store.insert(record(9, Instant.now())))
        .isInstanceOf(IntegrityException.class).hasMessageContaining("nothing was written");
    assertThat(store.find(BigInteger.valueOf(9))).isEmpty();
  }

  @Test
  void aReaderThatSawTheHeadDetectsTheChainBeingCutBack() throws Exception {
    // Deleting the newest entry together with un-revoking its row leaves an older, consistent
    // state that verifies on its own (a rollback); a reader that had verified the newer head refuses it.
    CertificateStore store = populated();
    StoreIntegrity integrity = new StoreIntegrity(another(), signer.verifier());
    integrity.refresh();
    assertThat(integrity.failed()).isFalse();
    Connection sql = sql();
    long revokeSeq = seqOf(sql, "revoke", 1);
    try (Statement statement = sql.createStatement()) {
      statement.executeUpdate("DELETE FROM audit WHERE seq = " + revokeSeq);
      statement.executeUpdate("UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL WHERE serial = '1'");
    }
    integrity.refresh();
    assertThat(integrity.failed()).isTrue();
    assertThat(integrity.failure().orElseThrow()).contains("entry " + revokeSeq + ", verified earlier, was removed");
    assertThat(integrity.notReadyReason()).startsWith("store integrity check failed");
  }

  @Test
  void aReaderRefusesAnEditedRowBeforeItNoticesTheChange() throws Exception {
    CertificateStore store = populated();
    StoreIntegrity integrity = new StoreIntegrity(store, signer.verifier());
    integrity.refresh();
    sql().createStatement().executeUpdate(
        "UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL WHERE serial = '1'");
    assertThatThrownBy(() -> integrity.checkRow(BigInteger.ONE, store.find(BigInteger.ONE)))
        .isInstanceOf(IntegrityException.class).hasMessageContaining("does not match audit entry");
    assertThat(integrity.failed()).isTrue();
  }

  @Test
  void aReaderDoesNotMistakeAnotherWritersNewRowForTampering() throws Exception {
    CertificateStore fresh = populated();
    StoreIntegrity second = new StoreIntegrity(fresh, signer.verifier());
    second.refresh();
    another().insert(record(42, Instant.now()));
    second.checkRow(BigInteger.valueOf(42), fresh.find(BigInteger.valueOf(42)));
    assertThat(second.failed()).isFalse();
  }

  // ---- what a change costs a reader, and how edits by hand are still found (docs/ca.md "Verification cost") ----

  /** Certificates in the store before the change: the old code checked every one of them per change. */
  private static final int STORE_ROWS = 40;

  private CertificateStore large() throws Exception {
    CertificateStore store = populated();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    for (int i = 100; i < 100 + STORE_ROWS - 3; i++) {
      store.insert(record(i, now));
    }
    return store;
  }

  @Test
  void aChangeChecksTheRowsItsEntriesNameNotTheWholeStore() throws Exception {
    CertificateStore store = large();
    StoreIntegrity reader = new StoreIntegrity(another(), signer.verifier());
    reader.refresh(); // the first check is whole: every row
    assertThat(reader.rowsChecked()).isGreaterThanOrEqualTo(STORE_ROWS);
    long sweeps = reader.sweeps();

    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    long before = reader.rowsChecked();
    store.insert(record(900, now)); // another node issues ...
    reader.changed();
    assertThat(reader.rowsChecked() - before).as("rows checked for one issuance").isEqualTo(1);

    before = reader.rowsChecked();
    store.revoke(BigInteger.valueOf(2), RevocationReason.KEY_COMPROMISE, now); // ... and revokes
    store.insert(record(901, now));
    store.nextCrlNumber();
    reader.changed();
    assertThat(reader.rowsChecked() - before).as("rows checked for a revocation, an issuance and a CRL number")
        .isEqualTo(2);
    assertThat(reader.sweeps()).as("no whole-store sweep for changes the chain explains").isEqualTo(sweeps);
    assertThat(reader.failed()).isFalse();
    assertThat(reader.revocations()).isEqualTo(2);

    // A row the new entries name is still checked: an issuance whose row is edited in the same breath.
    store.insert(record(902, now));
    try (Statement statement = sql().createStatement()) {
      statement.executeUpdate("UPDATE certificates SET subject = 'CN=mallory' WHERE serial = '"
          + Long.toHexString(902) + "'");
    }
    reader.changed();
    assertThat(reader.failure().orElseThrow()).contains("certificate " + Long.toHexString(902) + " does not match audit");
  }

  @Test
  void anEditByHandHiddenBehindALegitimateWriteIsFoundByTheTimedSweep() throws Exception {
    CertificateStore store = large();
    StoreIntegrity reader = new StoreIntegrity(another(), signer.verifier(), java.time.Duration.ofMinutes(1));
    reader.refresh();
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    reader.sweepIfDue(t0); // starts the period
    long revokeSeq = seqOf(sql(), "revoke", 1);
    try (Statement statement = sql().createStatement()) {
      statement.executeUpdate("UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL WHERE serial = '1'");
    }
    store.insert(record(903, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
    reader.changed(); // explained by the new entry: only certificate 903 is read
    assertThat(reader.failed()).as("a row no new entry names is not read on a change").isFalse();
    reader.sweepIfDue(t0.plusSeconds(59));
    assertThat(reader.failed()).isFalse();
    reader.sweepIfDue(t0.plusSeconds(60));
    assertThat(reader.failed()).isTrue();
    assertThat(reader.failure().orElseThrow()).contains("certificate 1 does not match audit entry " + revokeSeq);
    assertThat(reader.notReadyReason()).startsWith("store integrity check failed");
  }

  @Test
  void anEditByHandAloneIsAChangeNoEntryExplainsAndIsSweptAtOnce() throws Exception {
    large();
    StoreIntegrity reader = new StoreIntegrity(another(), signer.verifier());
    reader.refresh();
    try (Statement statement = sql().createStatement()) {
      statement.executeUpdate("UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL WHERE serial = '1'");
    }
    long sweeps = reader.sweeps();
    reader.changed();
    assertThat(reader.sweeps()).isEqualTo(sweeps + 1);
    assertThat(reader.failure().orElseThrow()).contains("certificate 1 does not match audit");
  }

  @Test
  void entriesAnOcspCheckTookInFirstAreNotMistakenForAnEditByHand() throws Exception {
    CertificateStore store = large();
    StoreIntegrity reader = new StoreIntegrity(another(), signer.verifier());
    reader.refresh();
    long sweeps = reader.sweeps();
    store.revoke(BigInteger.valueOf(3), RevocationReason.KEY_COMPROMISE, Instant.now());
    // An OCSP request for 3 arrives before the change notice: its check reads the new entry.
    reader.checkRow(BigInteger.valueOf(3), store.find(BigInteger.valueOf(3)));
    reader.changed(); // finds no new entry, but the revision moved: explained, no sweep
    assertThat(reader.sweeps()).isEqualTo(sweeps);
    assertThat(reader.failed()).isFalse();
  }

  @Test
  void aPushedChangeWithoutAnAuditWriteIsSweptOneWithItIsNot() throws Exception {
    CertificateStore store = large();
    StoreIntegrity reader = new StoreIntegrity(another(), signer.verifier());
    reader.refresh();
    long sweeps = reader.sweeps();
    store.insert(record(904, Instant.now().truncatedTo(ChronoUnit.MILLIS)));
    reader.changed(true);
    reader.changed(true); // the same change noticed twice: no sweep either
    assertThat(reader.sweeps()).isEqualTo(sweeps);
    try (Statement statement = sql().createStatement()) {
      statement.executeUpdate("UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL WHERE serial = '1'");
    }
    reader.changed(false);
    assertThat(reader.sweeps()).isEqualTo(sweeps + 1);
    assertThat(reader.failure().orElseThrow()).contains("certificate 1 does not match audit");
  }

  @Test
  void aChangeChecksTheEstRowsItsEntriesNameEvenWhenEditedInTheSameBreath() throws Exception {
    CertificateStore store = withEstRows();
    StoreIntegrity reader = new StoreIntegrity(another(), signer.verifier());
    reader.refresh();
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    long before = reader.rowsChecked();
    store.addProvisioner(provisioner("robots", "viewer"), now);
    assertThat(store.spendEnrollmentToken("jti-2", "robots", "robot-1", now.plus(1, ChronoUnit.HOURS), now)).isTrue();
    assertThat(store.removeProvisioner("robots", now)).isTrue();
    reader.changed();
    assertThat(reader.rowsChecked() - before).as("one provisioner key and one token key").isEqualTo(2);
    assertThat(reader.failed()).isFalse();

    store.addProvisioner(provisioner("wide", "viewer"), now);
    long seq = seqOf(sql(), AuditChain.PROVISIONER_ADD, "provisioner:wide");
    sql().createStatement().executeUpdate("UPDATE est_provisioners SET roles = 'admin' WHERE name = 'wide'");
    reader.changed();
    assertThat(reader.failure().orElseThrow()).contains("provisioner:wide", "audit entry " + seq);
  }

  @Test
  void theCrlCheckRefusesARowUnRevokedByHand() throws Exception {
    CertificateStore store = large();
    StoreIntegrity reader = new StoreIntegrity(another(), signer.verifier());
    reader.refresh();
    reader.checkRevoked(store.listRevoked());
    assertThat(reader.failed()).isFalse();
    try (Statement statement = sql().createStatement()) {
      statement.executeUpdate("UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL WHERE serial = '1'");
    }
    List<CertificateRecord> revoked = store.listRevoked();
    assertThat(revoked).isEmpty(); // what a CRL built from the rows alone would have said
    assertThatThrownBy(() -> reader.checkRevoked(revoked)).isInstanceOf(IntegrityException.class)
        .hasMessageContaining("certificate 1 does not match audit");
    assertThat(reader.failed()).isTrue();
  }

  @Test
  void concurrentWritersKeepSerialsUniqueCrlNumbersMonotonicAndTheChainLinear() throws Exception {
    CertificateStore a = store();
    CertificateStore b = another();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<List<Long>>> results = new ArrayList<>();
      for (CertificateStore writer : List.of(a, b)) {
        long base = writer == a ? 1_000 : 2_000;
        results.add(pool.submit(() -> {
          List<Long> numbers = new ArrayList<>();
          for (int i = 0; i < 15; i++) {
            writer.insert(record(base + i, Instant.now()));
            numbers.add(writer.nextCrlNumber());
          }
          return numbers;
        }));
      }
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> result : results) {
        List<Long> numbers = result.get();
        assertThat(numbers).isSorted();
        all.addAll(numbers);
      }
      assertThat(all).doesNotHaveDuplicates().hasSize(30);
    } finally {
      pool.shutdownNow();
    }
    IntegrityReport report = a.verify(signer.verifier());
    assertThat(report.certificates()).isEqualTo(30);
    assertThat(report.crlNumber()).isEqualTo(30);
    assertThat(report.entries()).isEqualTo(61);
  }
}
