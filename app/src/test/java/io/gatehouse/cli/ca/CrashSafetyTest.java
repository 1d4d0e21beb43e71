package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliChild;

import io.gatehouse.testing.TestCerts;

import io.gatehouse.cli.CliEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.SqliteCertificateStore;
import io.gatehouse.ca.issue.Issuer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the real CLI (a forked JVM) during {@code ca issue} and {@code ca revoke}, at random
 * moments from JVM start to after the commit (most of them around the store write), in a loop. After every round: the store passes
 * SQLite's integrity check and opens, every acknowledged issuance and revocation is there, no
 * serial appears twice, every certificate file on disk is one the store knows, and the audit hash
 * chain verifies.
 */
class CrashSafetyTest {
  /**
   * Rounds of two concurrent children (one issue, one revoke) in the default suite: 16 kill
   * attempts, two of them early. The kill moments concentrate on the end of a child's life, where
   * the store is written and acknowledged (most of a child's life is JVM start and the
   * passphrase's key derivation, where nothing is written).
   */
  private static final int ROUNDS = 8;
  /** Rounds of the {@code long}-tagged run ({@code mvn -B test -Plong-tests}, in CI): 60 kills. */
  private static final int LONG_ROUNDS = 30;
  /** One round in this many kills early (JVM start, unlock): nothing may be left behind. */
  private static final int EARLY_EVERY = 4;
  /**
   * Extra rounds, each killing later, when no child lived to acknowledge: a machine that slowed
   * down after calibration must not fail the test, and the kills must still reach past the commit.
   */
  private static final int MAX_LATE_ROUNDS = 6;
  private static final Pattern ISSUED = Pattern.compile("Issued .* serial ([0-9a-f]+) valid until");

  @TempDir Path work;

  private final Random random = new Random();
  private final Map<String, String> env = Map.of(CliEnvironment.CA_PASSPHRASE, Cli.PASSPHRASE);

  /** What a killed child had said before it died. */
  private record Outcome(boolean acknowledged, int exit, String output, long elapsedMillis) {}

  @Test
  void killDashNineDuringIssueAndRevokeLosesNothingAcknowledged() throws Exception {
    killDuringIssueAndRevoke(ROUNDS);
  }

  @Test
  @Tag("long")
  void manyMoreKillsDuringIssueAndRevokeLoseNothingAcknowledged() throws Exception {
    killDuringIssueAndRevoke(LONG_ROUNDS);
  }

  private void killDuringIssueAndRevoke(int rounds) throws Exception {
    Path certs = work.resolve("certs");
    Cli.Result init = Cli.withPassphrase().ca(certs, "init", "--intermediate");
    assertThat(init.exit()).as(init.toString()).isZero();
    Deque<BigInteger> toRevoke = new ArrayDeque<>(preIssue(certs, rounds + MAX_LATE_ROUNDS));

    // Calibrate: how long uninterrupted children take here when two run at once, as in the rounds.
    BigInteger calibrationTarget = toRevoke.pop();
    CompletableFuture<Outcome> calibrateIssue = CompletableFuture.supplyAsync(() -> forkUnchecked(List.of("ca",
        "issue", "client", "--name", "calibrate", "--role", "viewer", "--dir", certs.toString()), Long.MAX_VALUE));
    long revokeMillis = fork(revokeArgs(certs, calibrationTarget), Long.MAX_VALUE).elapsedMillis();
    long issueMillis = calibrateIssue.join().elapsedMillis();

    Set<BigInteger> acknowledgedRevocations = new HashSet<>();
    Set<BigInteger> acknowledgedIssues = new HashSet<>();
    int killedBeforeAck = 0;
    int acknowledged = 0;
    for (int round = 0; round < rounds + MAX_LATE_ROUNDS; round++) {
      int late = round - rounds + 1; // 1, 2, ... for the extra rounds
      if (late > 0 && acknowledged > 0) {
        break;
      }
      BigInteger serial = toRevoke.pop();
      List<String> issue = List.of("ca", "issue", "client", "--name", "c" + round, "--role", "viewer",
          "--dir", certs.toString());
      boolean early = late <= 0 && round % EARLY_EVERY == 0;
      double stretch = late <= 0 ? 1.0 : 1.0 + 0.5 * late;
      long issueDelay = delay((long) (issueMillis * stretch), early);
      CompletableFuture<Outcome> issuing = CompletableFuture.supplyAsync(
          () -> forkUnchecked(issue, issueDelay));
      Outcome revoked = fork(revokeArgs(certs, serial), delay((long) (revokeMillis * stretch), early));
      Outcome issued = issuing.join();

      if (revoked.acknowledged()) {
        assertThat(revoked.output()).contains("Revoked");
        acknowledgedRevocations.add(serial);
        acknowledged++;
      } else {
        killedBeforeAck++;
      }
      if (issued.acknowledged()) {
        Matcher m = ISSUED.matcher(issued.output());
        assertThat(m.find()).as(issued.output()).isTrue();
        assertThat(acknowledgedIssues.add(new BigInteger(m.group(1), 16)))
            .as("serial reused: %s", m.group(1)).isTrue();
        acknowledged++;
      } else {
        killedBeforeAck++;
      }
      checkInvariants(certs, acknowledgedRevocations, acknowledgedIssues);
    }
    System.out.printf("crash safety: %d kills before acknowledgement, %d acknowledged (issue ~%d ms, revoke ~%d ms)%n",
        killedBeforeAck, acknowledged, issueMillis, revokeMillis);
    // Both outcomes happened: the delays covered kills before and after the commit.
    assertThat(killedBeforeAck).isPositive();
    assertThat(acknowledged).isPositive();
  }

  private void checkInvariants(Path certs, Set<BigInteger> revocations, Set<BigInteger> issues)
      throws Exception {
    Path db = certs.resolve("ca/ca.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("ok");
    }
    try (SqliteCertificateStore store = SqliteCertificateStore.open(db)) {
      List<CertificateRecord> records = store.list();
      Map<BigInteger, CertificateRecord> bySerial = new HashMap<>();
      for (CertificateRecord record : records) {
        assertThat(bySerial.put(record.serial(), record)).as("duplicate serial").isNull();
      }
      for (BigInteger serial : revocations) {
        assertThat(bySerial.get(serial).revokedAt()).as("acknowledged revocation lost: %s", serial).isNotNull();
      }
      for (BigInteger serial : issues) {
        assertThat(bySerial).as("acknowledged issuance lost").containsKey(serial);
      }
      // Every issuance and revocation in the store has its audit entry, and the chain verifies.
      long revokedCount = records.stream().filter(r -> r.revokedAt() != null).count();
      try (io.gatehouse.ca.authority.CertificateAuthority ca = io.gatehouse.ca.authority.CertificateAuthority.open(certs)) {
        assertThat(ca.verify().entries()).isGreaterThanOrEqualTo(records.size() + revokedCount);
      }
      try (Stream<Path> files = Files.list(certs.resolve("clients"))) {
        for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".crt")).toList()) {
          X509Certificate leaf = TestCerts.read(file).get(0);
          CertificateRecord record = bySerial.get(leaf.getSerialNumber());
          assertThat(record).as("certificate file the store does not know: %s", file).isNotNull();
          assertThat(record.der()).isEqualTo(leaf.getEncoded());
        }
      }
    }
  }

  /** Issues {@code count} certificates with one unlock, as targets for the revoke children. */
  private List<BigInteger> preIssue(Path certs, int count) throws Exception {
    List<BigInteger> serials = new ArrayList<>();
    try (CertificateAuthority ca = CertificateAuthority.open(certs)) {
      Issuer issuer = new Issuer(ca, ca.unlock(Cli.PASSPHRASE.toCharArray()), Clock.systemUTC());
      for (int i = 0; i <= count; i++) {
        serials.add(issuer.issueClient("target" + i, null, List.of("viewer"), Duration.ofHours(1),
            KeyType.EC_P256.generate().getPublic()).getSerialNumber());
      }
    }
    return serials;
  }

  private static List<String> revokeArgs(Path certs, BigInteger serial) {
    return List.of("ca", "revoke", "--serial", serial.toString(16), "--reason", "keyCompromise",
        "--dir", certs.toString());
  }

  /**
   * A kill moment: early, from "before the JVM got going" to past half its life; otherwise from
   * 0.7 to 1.2 of a typical run, which covers the store write, the certificate files and the
   * acknowledgement, and both sides of each (runs vary with the machine's load).
   */
  private long delay(long typicalMillis, boolean early) {
    return early
        ? (long) (random.nextDouble() * typicalMillis * 0.6)
        : (long) (typicalMillis * (0.7 + random.nextDouble() * 0.5));
  }

  private Outcome forkUnchecked(List<String> args, long killAfterMillis) {
    try {
      return fork(args, killAfterMillis);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs the CLI in a new JVM and kills it with SIGKILL after {@code killAfterMillis} unless it
   * exited before. Acknowledged means: it exited 0 before the kill.
   */
  private Outcome fork(List<String> args, long killAfterMillis) throws Exception {
    List<String> command = CliChild.command(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    long start = System.nanoTime();
    Process process = builder.start();
    process.getOutputStream().close();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
    boolean exited = process.waitFor(Math.min(killAfterMillis, 120_000), TimeUnit.MILLISECONDS);
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    if (!exited) {
      process.destroyForcibly(); // SIGKILL on Unix
      process.waitFor();
      if (killAfterMillis == Long.MAX_VALUE) {
        throw new IllegalStateException("child did not finish: " + args);
      }
    }
    int exit = process.exitValue();
    String text = output.get(30, TimeUnit.SECONDS);
    if (killAfterMillis == Long.MAX_VALUE) {
      assertThat(exit).as(text).isZero();
    }
    if (exited && exit != 0) {
      // A child that finished on its own must have succeeded: there is nothing for it to fail on.
      throw new AssertionError("child failed on its own: " + args + "\n" + text);
    }
    return new Outcome(exited && exit == 0, exit, text, elapsed);
  }

  private static String readAll(InputStream in) {
    try (in) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      in.transferTo(bytes);
      return bytes.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
