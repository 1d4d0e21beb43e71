package io.gatehouse.cli.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.SqliteCertificateStore;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA on a full disk and on a read-only {@code certs/}: each command fails with one clear line
 * and exit 1, or succeeds completely; nothing is half-written, the store stays consistent, and
 * the CA works again once the fault is gone.
 *
 * <p>Uses a real tmpfs mount (needs root and a kernel that lets the test mount; skipped otherwise,
 * as {@code chmod} cannot stop root from writing).
 */
class StorageFaultTest {
  @TempDir Path work;
  private Path mount;
  private Path certs;
  private final Cli cli = Cli.withPassphrase();

  @BeforeEach
  void mountTmpfs() throws Exception {
    mount = Files.createDirectory(work.resolve("mnt"));
    assumeTrue(sh("mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", mount.toString()) == 0,
        "cannot mount a tmpfs here (needs root in a sandbox that allows mounts)");
    certs = mount.resolve("certs");
    Cli.Result init = cli.ca(certs, "init");
    assertThat(init.exit()).as(init.toString()).isZero();
    assertThat(cli.ca(certs, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
  }

  @AfterEach
  void unmount() throws Exception {
    if (certs != null) {
      sh("umount", mount.toString());
    }
  }

  @Test
  void diskFull() throws Exception {
    BigInteger alice = serialOf("alice");
    Path filler = mount.resolve("filler");
    try (OutputStream out = Files.newOutputStream(filler)) {
      byte[] chunk = new byte[4096];
      while (true) {
        out.write(chunk);
        out.flush();
      }
    } catch (IOException expected) {
      // the disk is full
    }
    TreeMap<String, Long> before = files();

    Cli.Result issue = cli.ca(certs, "issue", "client", "--name", "bob", "--role", "viewer");
    assertOneLineFailureOrSuccess(issue);
    if (issue.exit() != 0) {
      assertThat(certs.resolve("clients/bob.crt")).doesNotExist();
      assertThat(certs.resolve("clients/bob.key")).doesNotExist();
    }
    Cli.Result revoke = cli.ca(certs, "revoke", "--serial", alice.toString(16));
    assertOneLineFailureOrSuccess(revoke);
    assertNoTemporaryFiles();

    Files.delete(filler);
    assertStoreConsistent();
    try (SqliteCertificateStore store = SqliteCertificateStore.open(certs.resolve("ca/ca.db"))) {
      assertThat(store.find(alice).orElseThrow().revokedAt() != null).isEqualTo(revoke.exit() == 0);
    }
    // Only files the successful commands should have written appeared.
    TreeMap<String, Long> after = files();
    after.keySet().removeAll(before.keySet());
    after.keySet().removeIf(f -> f.startsWith("ca/ca.db"));
    if (issue.exit() != 0) {
      assertThat(after).isEmpty();
    }
    Cli.Result again = cli.ca(certs, "issue", "client", "--name", issue.exit() == 0 ? "carol" : "bob",
        "--role", "viewer");
    assertThat(again.exit()).as(again.toString()).isZero();
  }

  @Test
  void readOnlyCertsDirectory() throws Exception {
    BigInteger alice = serialOf("alice");
    assumeTrue(sh("mount", "-o", "remount,ro", mount.toString()) == 0, "cannot remount read-only");
    try {
      TreeMap<String, Long> before = files();
      for (Cli.Result result : List.of(
          cli.ca(certs, "issue", "client", "--name", "bob", "--role", "viewer"),
          cli.ca(certs, "issue", "server", "--dns", "localhost"),
          cli.ca(certs, "revoke", "--serial", alice.toString(16)),
          cli.ca(certs, "crl"))) {
        assertThat(result.exit()).as(result.toString()).isEqualTo(1);
        assertOneLine(result);
        assertThat(result.err()).contains("read-only").doesNotContain("backup", "corrupt");
      }
      assertThat(files()).isEqualTo(before);
    } finally {
      assertThat(sh("mount", "-o", "remount,rw", mount.toString())).isZero();
    }
    assertStoreConsistent();
    try (SqliteCertificateStore store = SqliteCertificateStore.open(certs.resolve("ca/ca.db"))) {
      assertThat(store.find(alice).orElseThrow().revokedAt()).isNull();
      assertThat(store.list()).hasSize(1);
    }
    assertThat(cli.ca(certs, "revoke", "--serial", alice.toString(16)).exit()).isZero();
  }

  /** Success, or one line blaming the full disk (never "corrupt, restore from a backup"). */
  private static void assertOneLineFailureOrSuccess(Cli.Result result) {
    assertThat(result.exit()).as(result.toString()).isIn(0, 1);
    if (result.exit() == 1) {
      assertOneLine(result);
      assertThat(result.err()).containsAnyOf("is full", "No space left").doesNotContain("backup", "corrupt");
    }
  }

  private static void assertOneLine(Cli.Result result) {
    assertThat(result.err()).as(result.toString())
        .startsWith("gatehouse: ").endsWith("\n").doesNotContain("Exception", "\tat ");
    assertThat(result.err().strip()).doesNotContain("\n");
  }

  private BigInteger serialOf(String client) throws Exception {
    return Certs.read(certs.resolve("clients/" + client + ".crt")).get(0).getSerialNumber();
  }

  private void assertNoTemporaryFiles() throws IOException {
    assertThat(files().keySet()).noneMatch(f -> f.endsWith(".tmp"));
  }

  private void assertStoreConsistent() throws Exception {
    Path db = certs.resolve("ca/ca.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("ok");
    }
    try (SqliteCertificateStore store = SqliteCertificateStore.open(db)) {
      List<CertificateRecord> records = store.list();
      long revoked = records.stream().filter(r -> r.revokedAt() != null).count();
      try (io.gatehouse.ca.authority.CertificateAuthority ca = io.gatehouse.ca.authority.CertificateAuthority.open(certs)) {
        assertThat(ca.verify().entries()).isGreaterThanOrEqualTo(records.size() + revoked);
      }
      // Every certificate file is one the store knows.
      try (Stream<Path> walk = Files.walk(certs)) {
        for (Path crt : walk.filter(p -> p.toString().endsWith(".crt") && !p.startsWith(certs.resolve("ca"))).toList()) {
          Optional<CertificateRecord> record = store.find(Certs.read(crt).get(0).getSerialNumber());
          assertThat(record).as("unknown certificate file %s", crt).isPresent();
        }
      }
    }
  }

  /** Relative path → size of every file under certs/. */
  private TreeMap<String, Long> files() throws IOException {
    TreeMap<String, Long> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(certs)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        files.put(certs.relativize(p).toString(), Files.size(p));
      }
    }
    return files;
  }

  private static int sh(String... command) throws Exception {
    try {
      return Processes.run(Path.of("/"), command).exit();
    } catch (IOException e) {
      return -1;
    }
  }
}
