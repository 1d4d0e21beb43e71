package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input gets exit code 1 or 2, one line on stderr, and leaves nothing half-written. */
class BadInputTest {
  private final Cli cli = Cli.withPassphrase();

  @TempDir Path dir;

  @BeforeEach
  void createCa() {
    assertThat(cli.ca(dir, "init").exit()).isZero();
  }

  /** Asserts exit code, a single-line message containing {@code fragments}, and no stack trace. */
  static void assertError(Cli.Result result, int exit, String... fragments) {
    assertThat(result.exit()).as(result.toString()).isEqualTo(exit);
    assertThat(result.err().lines().count()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("gatehouse: ").contains(fragments)
        .doesNotContain("Exception", "\tat ");
    assertThat(result.out()).isEmpty();
  }

  private long issuedCount() {
    Cli.Result list = cli.ca(dir, "list", "--json");
    assertThat(list.exit()).isZero();
    return tools.jackson.databind.json.JsonMapper.builder().build().readTree(list.out()).size();
  }

  private boolean clientFilesExist() throws Exception {
    Path clients = dir.resolve("clients");
    if (!Files.isDirectory(clients)) {
      return false;
    }
    try (Stream<Path> files = Files.list(clients)) {
      return files.findAny().isPresent();
    }
  }

  @Test
  void wrongPassphrase() throws Exception {
    Cli wrong = Cli.withPassphrase().env(CliEnvironment.CA_PASSPHRASE, "not the right passphrase");
    assertError(wrong.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer"), 1,
        "wrong CA passphrase");
    assertError(wrong.ca(dir, "crl"), 1, "wrong CA passphrase");
    assertThat(clientFilesExist()).isFalse();
    assertThat(issuedCount()).isZero();
  }

  @Test
  void noPassphraseAndNoTerminal() {
    assertError(Cli.bare().ca(dir, "issue", "client", "--name", "alice", "--role", "viewer"), 1,
        "GATEHOUSE_CA_PASSPHRASE");
  }

  @Test
  void passphraseFileMustBePrivate() throws Exception {
    Path file = dir.resolve("passphrase");
    Files.writeString(file, Cli.PASSPHRASE + "\n");
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    Cli fromFile = Cli.bare().env(CliEnvironment.CA_PASSPHRASE + CliEnvironment.FILE_SUFFIX, file.toString());
    assertError(fromFile.ca(dir, "crl"), 1, "others can read", "chmod 600");
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Cli.Result ok = fromFile.ca(dir, "crl");
    assertThat(ok.exit()).as(ok.toString()).isZero();
  }

  @Test
  void shortPassphraseAtInit() {
    assertError(Cli.bare().env(CliEnvironment.CA_PASSPHRASE, "short").ca(dir.resolve("new"), "init"), 2,
        "too short");
  }

  @Test
  void mismatchedPromptedPassphrases() {
    String[] answers = {"first passphrase 1", "second passphrase 2"};
    int[] call = {0};
    Cli prompted = Cli.bare().prompt(p -> answers[call[0]++].toCharArray());
    assertError(prompted.ca(dir.resolve("new"), "init"), 1, "differ");
    assertThat(Files.exists(dir.resolve("new/ca"))).isFalse();
  }

  @Test
  void missingCa() {
    Path empty = dir.resolve("nothing-here");
    assertError(cli.ca(empty, "issue", "client", "--name", "alice", "--role", "viewer"), 1,
        "no CA found", "ca init");
    assertError(cli.ca(empty, "list"), 1, "no CA found");
    assertError(cli.ca(empty, "revoke", "--serial", "abc"), 1, "no CA found");
  }

  @Test
  void forgedAndMalformedCsrs() throws Exception {
    Path forged = Csrs.write(dir.resolve("forged.csr"), "eve", true, true);
    assertError(cli.ca(dir, "sign", "--csr", forged.toString(), "--role", "viewer"), 1,
        "invalid self-signature");
    Path garbage = Files.writeString(dir.resolve("garbage.csr"), "this is not a CSR");
    assertError(cli.ca(dir, "sign", "--csr", garbage.toString(), "--role", "viewer"), 1, "malformed");
    Path badName = Csrs.write(dir.resolve("badname.csr"), "../etc", false, false);
    assertError(cli.ca(dir, "sign", "--csr", badName.toString(), "--role", "viewer"), 2, "invalid client name");
    assertError(cli.ca(dir, "sign", "--csr", dir.resolve("missing.csr").toString(), "--role", "viewer"), 1,
        "does not exist");
    assertThat(clientFilesExist()).isFalse();
    assertThat(issuedCount()).isZero();
  }

  @Test
  void invalidRoleNames() {
    for (String role : new String[] {"Admin", "has space", "-dash", "", "x".repeat(65)}) {
      assertError(cli.ca(dir, "issue", "client", "--name", "alice", "--role", role), 2, "invalid role name");
    }
    assertError(cli.ca(dir, "issue", "client", "--name", "alice"), 2, "--role");
    assertError(cli.ca(dir, "issue", "client", "--name", "a/b", "--role", "viewer"), 2, "invalid client name");
  }

  @Test
  void ttlOutOfBounds() throws Exception {
    assertError(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer", "--ttl", "4m"), 2,
        "out of bounds", "5m", "7d");
    assertError(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer", "--ttl", "8d"), 2,
        "out of bounds");
    assertError(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer", "--ttl", "soon"), 2,
        "invalid duration");
    assertError(cli.ca(dir, "issue", "server", "--dns", "localhost", "--ttl", "400d"), 2, "out of bounds");
    assertError(cli.ca(dir.resolve("other"), "init", "--max-client-ttl", "1m"), 2, "lifetime");
    assertThat(clientFilesExist()).isFalse();
    assertThat(issuedCount()).isZero();
  }

  @Test
  void badServerNamesAndKeyTypes() {
    assertError(cli.ca(dir, "issue", "server", "--dns", "*.example.com"), 2, "invalid DNS name");
    assertError(cli.ca(dir, "issue", "server", "--dns", "ok.example", "--ip", "300.1.1.1"), 2, "invalid IP");
    assertError(cli.ca(dir, "issue", "client", "--name", "a", "--role", "r", "--key-type", "dsa"), 2,
        "unknown key type");
    assertError(cli.ca(dir.resolve("x"), "init", "--trust-domain", "Bad Domain"), 2, "invalid trust domain");
    assertError(cli.ca(dir.resolve("x"), "init", "--ocsp-url", "ftp://x"), 2, "--ocsp-url");
    assertError(cli.run("ca", "issue", "client", "--name", "a", "--role", "r", "--bogus"), 2, "--bogus");
  }

  @Test
  void unwritableCertsDirectory() throws Exception {
    Files.writeString(dir.resolve("clients"), "a file where the clients directory should be");
    assertError(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer"), 1, "clients");
    assertThat(issuedCount()).as("nothing signed when files cannot be written").isZero();

    Path blocked = Files.writeString(dir.resolve("blocked"), "not a directory");
    assertError(cli.ca(blocked.resolve("certs"), "init"), 1, "cannot create directory");
  }

  @Test
  void existingFilesAreNotReplacedWithoutForce() throws Exception {
    assertThat(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    byte[] before = Files.readAllBytes(dir.resolve("clients/alice.crt"));
    assertError(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "admin"), 1, "already exists", "--force");
    assertThat(Files.readAllBytes(dir.resolve("clients/alice.crt"))).isEqualTo(before);
    assertThat(issuedCount()).isEqualTo(1);
    assertThat(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "admin", "--force").exit()).isZero();
    assertThat(issuedCount()).isEqualTo(2);
  }

  @Test
  void corruptDatabase() throws Exception {
    Files.write(dir.resolve("ca/ca.db"), "SQLite format 3? no, garbage ".repeat(200).getBytes());
    assertError(cli.ca(dir, "list"), 1, "corrupt", "backup");
    assertError(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer"), 1, "corrupt");
    assertThat(clientFilesExist()).isFalse();
  }

  @Test
  void revokingUnknownOrTwice() throws Exception {
    assertError(cli.ca(dir, "revoke", "--serial", "deadbeef"), 1, "was not issued by this CA");
    assertThat(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    String serial = Certs.read(dir.resolve("clients/alice.crt")).get(0).getSerialNumber().toString(16);
    assertThat(cli.ca(dir, "revoke", "--serial", serial.toUpperCase(), "--reason", "superseded").exit()).isZero();
    assertError(cli.ca(dir, "revoke", "--serial", serial, "--reason", "keyCompromise"), 1, "already revoked", "superseded");
    assertError(cli.ca(dir, "revoke", "--serial", "xyz"), 2, "invalid serial");
    assertError(cli.ca(dir, "revoke", "--serial", serial, "--reason", "certificateHold"), 2, "unknown revocation reason");
  }

  @Test
  void failureToStoreLeavesNoCertificateOnDisk() throws Exception {
    // The store refuses the insert after the certificate was signed, as a full disk or a crash would.
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ca/ca.db"));
        Statement sql = db.createStatement()) {
      sql.executeUpdate("CREATE TRIGGER refuse BEFORE INSERT ON certificates"
          + " BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    }
    assertError(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer", "--p12"), 1,
        "cannot record certificate");
    assertThat(clientFilesExist()).isFalse();
  }

  @Test
  void verboseAddsTheStackTrace() {
    Cli.Result result = cli.ca(dir.resolve("none"), "list", "--verbose");
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.err().lines().count()).isGreaterThan(1);
    assertThat(result.err()).contains("CaException", "\tat ");
  }
}
