package io.gatehouse.cli.ca;

import io.gatehouse.testing.TestCerts;
import io.gatehouse.cli.CliEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue's attack, from outside: revoked carol is un-revoked by editing the store with SQL (the
 * sqlite3 CLI on the real file). {@code ca verify} fails naming the revoke entry, {@code ca list},
 * {@code ca crl} and {@code ca issue} refuse, and a running {@code ca serve} stops saying anything
 * but tryLater to the real {@code openssl ocsp} and reports not ready. (The same on PostgreSQL is
 * in {@link PostgresCaTest}.)
 */
class IntegrityEnforcementTest {
  private final Cli cli = Cli.withPassphrase();

  @TempDir Path dir;

  @Test
  void revokingNeedsThePassphraseAndIsAttributed() throws Exception {
    assertThat(cli.ca(dir, "init").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "carol", "--role", "viewer").exit()).isZero();
    String serial = TestCerts.read(dir.resolve("clients/carol.crt")).get(0).getSerialNumber().toString(16);
    Cli.Result anonymous = Cli.bare().ca(dir, "revoke", "--serial", serial);
    assertThat(anonymous.exit()).as(anonymous.toString()).isEqualTo(1);
    assertThat(anonymous.err()).contains("no CA passphrase");
    Cli.Result wrong = Cli.bare().env(CliEnvironment.CA_PASSPHRASE, "not the passphrase at all").ca(dir, "revoke", "--serial", serial);
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.err()).contains("wrong CA passphrase");
    assertThat(cli.ca(dir, "list", "--status", "revoked").out()).doesNotContain(serial);
    assertThat(cli.ca(dir, "revoke", "--serial", serial).exit()).isZero();
    Processes.Output actor = Processes.run(dir, "sqlite3", "ca/ca.db",
        "SELECT actor FROM audit WHERE action = 'revoke' AND serial = '" + serial + "'");
    assertThat(actor.text().trim()).isEqualTo(System.getProperty("user.name") + " (passphrase)");
  }

  @Test
  void unRevokingBySqliteIsCaughtByVerifyTheCliAndServe() throws Exception {
    assertThat(cli.ca(dir, "init", "--intermediate").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "carol", "--role", "viewer").exit()).isZero();
    String serial = TestCerts.read(dir.resolve("clients/carol.crt")).get(0).getSerialNumber().toString(16);
    assertThat(cli.ca(dir, "revoke", "--serial", serial, "--reason", "keyCompromise").exit()).isZero();
    Cli.Result ok = cli.ca(dir, "verify");
    assertThat(ok.exit()).as(ok.toString()).isZero();
    assertThat(ok.out()).startsWith("OK: ");
    String revokeSeq = Processes.run(dir, "sqlite3", "ca/ca.db",
        "SELECT seq FROM audit WHERE action = 'revoke'").text().trim();

    try (ServeNode serve = ServeNode.start(dir, Map.of())) {
      assertThat(serve.ocsp("clients/carol.crt", "ca/intermediate.crt").text()).contains("carol.crt: revoked");
      assertThat(serve.ocsp("clients/alice.crt", "ca/intermediate.crt").text()).contains("alice.crt: good");
      assertThat(serve.readyz().statusCode()).isEqualTo(200);

      // The attack: un-revoke carol and make the revoke entry look harmless, with sqlite3 on the real file.
      Processes.Output edit = Processes.run(dir, "sqlite3", "ca/ca.db",
          "UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL WHERE serial = '" + serial + "';");
      assertThat(edit.exit()).as(edit.text()).isZero();

      Processes.Output carol = serve.ocspUntil("clients/carol.crt", "ca/intermediate.crt",
          text -> text.contains("trylater"), Duration.ofSeconds(30));
      assertThat(carol.text()).as(carol.text()).contains("Responder Error: trylater").doesNotContain(": good");
      assertThat(serve.ocsp("clients/alice.crt", "ca/intermediate.crt").text())
          .contains("Responder Error: trylater").doesNotContain(": good");
      HttpResponse<String> ready = serve.readyz();
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).startsWith("{\"status\":\"not ready\",\"reason\":\"")
          .contains("audit entry " + revokeSeq);
      assertThat(serve.log()).contains("CA STORE INTEGRITY FAILURE", "audit entry " + revokeSeq + " (revoke " + serial + ")");
    }

    Cli.Result verify = cli.ca(dir, "verify");
    assertThat(verify.exit()).as(verify.toString()).isEqualTo(1);
    assertThat(verify.out()).contains("FAILED", "certificate " + serial + " does not match audit entry "
        + revokeSeq + " (revoke " + serial + ")");
    Cli.Result json = cli.ca(dir, "verify", "--json");
    assertThat(json.exit()).isEqualTo(1);
    assertThat(json.out()).contains("\"ok\" : false", "\"entry\" : " + revokeSeq, "\"serial\" : \"" + serial + "\"");

    for (String[] command : new String[][] {{"list"}, {"crl"}, {"issue", "client", "--name", "dave", "--role", "viewer"}}) {
      Cli.Result refused = cli.ca(dir, command);
      assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
      assertThat(refused.err()).contains("failed verification", "audit entry " + revokeSeq, "--ignore-integrity");
    }
    assertThat(dir.resolve("clients/dave.crt")).doesNotExist();
    Cli.Result forced = cli.ca(dir, "list", "--ignore-integrity");
    assertThat(forced.exit()).isZero();
    assertThat(forced.out()).contains(serial);

    // A serve started on the tampered store answers nothing but tryLater from the start.
    try (ServeNode serve = ServeNode.inProcess(dir, Map.of())) {
      assertThat(serve.ocsp("clients/carol.crt", "ca/intermediate.crt").text()).contains("trylater");
      assertThat(serve.readyz().statusCode()).isEqualTo(503);
    }
  }

  @Test
  void anEmptiedStoreIsRefusedNotSealedAgain() throws Exception {
    // Emptying every table (or swapping in an unkeyed store) must not let the next
    // passphrase-holding command "migrate" it and so vouch for the empty history.
    assertThat(cli.ca(dir, "init").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "carol", "--role", "viewer").exit()).isZero();
    assertThat(dir.resolve("ca/audit.sealed")).exists();
    Processes.Output wipe = Processes.run(dir, "sqlite3", "ca/ca.db", "DELETE FROM audit; DELETE FROM certificates;");
    assertThat(wipe.exit()).as(wipe.text()).isZero();
    Cli.Result verify = cli.ca(dir, "verify");
    assertThat(verify.exit()).isEqualTo(1);
    assertThat(verify.out()).contains("the audit chain is empty");
    Cli.Result issue = cli.ca(dir, "issue", "client", "--name", "dave", "--role", "viewer");
    assertThat(issue.exit()).isEqualTo(1);
    assertThat(issue.err()).contains("emptied or replaced");
    assertThat(Processes.run(dir, "sqlite3", "ca/ca.db", "SELECT COUNT(*) FROM audit").text().trim()).isEqualTo("0");
  }

  @Test
  void editingTheAuditDetailIsNamedByVerify() throws Exception {
    assertThat(cli.ca(dir, "init").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "carol", "--role", "viewer").exit()).isZero();
    String serial = TestCerts.read(dir.resolve("clients/carol.crt")).get(0).getSerialNumber().toString(16);
    assertThat(cli.ca(dir, "revoke", "--serial", serial).exit()).isZero();
    try (Connection sql = java.sql.DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ca/ca.db"));
        Statement statement = sql.createStatement()) {
      statement.executeUpdate("UPDATE audit SET detail = 'superseded' WHERE action = 'revoke'");
    }
    Cli.Result verify = cli.ca(dir, "verify");
    assertThat(verify.exit()).isEqualTo(1);
    assertThat(verify.out()).contains("audit entry 3 (revoke " + serial + ") was altered");
  }
}
