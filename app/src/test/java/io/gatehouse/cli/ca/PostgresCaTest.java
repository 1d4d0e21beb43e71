package io.gatehouse.cli.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.testing.TestCerts;
import io.gatehouse.ca.db.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CA on a real PostgreSQL server through the CLI: {@code ca db migrate}, {@code ca init
 * --store}, tampering by SQL caught by {@code ca verify} and {@code ca serve}, {@code ca db copy}
 * of a SQLite CA, and two {@code ca serve} nodes on one database asked by {@code openssl ocsp}.
 */
class PostgresCaTest {
  @TempDir Path dir;

  private PostgresServer server;
  private Cli cli;

  @BeforeEach
  void server() {
    server = PostgresServer.get();
    cli = Cli.withPassphrase();
    server.env().forEach(cli::env);
  }

  private String migrated() throws Exception {
    String url = server.freshDatabase();
    Cli.Result migrate = cli.ca(dir, "db", "migrate", "--store", url);
    assertThat(migrate.exit()).as(migrate.toString()).isZero();
    assertThat(migrate.out()).contains("Applied 2 migration(s)");
    return url;
  }

  private String serialOf(String name) throws Exception {
    return TestCerts.read(dir.resolve("clients/" + name + ".crt")).get(0).getSerialNumber().toString(16);
  }

  @Test
  void initRefusesAPasswordInTheUrlAndAnUnmigratedDatabase() throws Exception {
    Cli.Result password = cli.ca(dir, "init", "--store", "postgresql://gatehouse:secret-pw@127.0.0.1:"
        + server.port() + "/x");
    assertThat(password.exit()).isEqualTo(2);
    assertThat(password.err()).contains("must not carry a password").doesNotContain("secret-pw");
    Cli.Result unmigrated = cli.ca(dir, "init", "--store", server.freshDatabase());
    assertThat(unmigrated.exit()).isEqualTo(1);
    assertThat(unmigrated.err()).contains("ca db migrate");
    assertThat(dir.resolve("ca/ca.json")).doesNotExist();
  }

  @Test
  void unRevokingBySqlOnPostgresIsCaughtByVerifyAndServe() throws Exception {
    String url = migrated();
    Cli.Result init = cli.ca(dir, "init", "--store", url + "?sslmode=disable");
    assertThat(init.exit()).as(init.toString()).isZero();
    String config = Files.readString(dir.resolve("ca/ca.json"));
    assertThat(config).contains("\"store\" : \"" + url + "?sslmode=disable\"")
        .doesNotContain(PostgresServer.PASSWORD);
    assertThat(dir.resolve("ca/ca.db")).doesNotExist();
    assertThat(cli.ca(dir, "issue", "client", "--name", "carol", "--role", "viewer").exit()).isZero();
    String carol = serialOf("carol");
    assertThat(cli.ca(dir, "revoke", "--serial", carol).exit()).isZero();
    assertThat(cli.ca(dir, "verify").exit()).isZero();

    try (ServeNode serve = ServeNode.inProcess(dir, server.env())) {
      assertThat(serve.ocsp("clients/carol.crt", "ca/root.crt").text()).contains("carol.crt: revoked");
      try (Connection sql = server.connect(PostgresServer.databaseOf(url)); Statement statement = sql.createStatement()) {
        statement.executeUpdate("UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL"
            + " WHERE serial = '" + carol + "'");
      }
      Processes.Output answer = serve.ocspUntil("clients/carol.crt", "ca/root.crt",
          text -> text.contains("trylater"), Duration.ofSeconds(30));
      assertThat(answer.text()).as(answer.text()).contains("trylater").doesNotContain(": good");
      assertThat(serve.readyz().statusCode()).isEqualTo(503);
    }
    Cli.Result verify = cli.ca(dir, "verify");
    assertThat(verify.exit()).isEqualTo(1);
    assertThat(verify.out()).contains("certificate " + carol + " does not match audit entry 3 (revoke " + carol + ")");
  }

  @Test
  void dbCopyMovesASqliteCaWithEverythingAndTheCopyVerifies() throws Exception {
    assertThat(cli.ca(dir, "init", "--intermediate").exit()).isZero();
    for (String name : new String[] {"alice", "carol"}) {
      assertThat(cli.ca(dir, "issue", "client", "--name", name, "--role", "viewer").exit()).isZero();
    }
    assertThat(cli.ca(dir, "revoke", "--serial", serialOf("carol"), "--reason", "keyCompromise").exit()).isZero();
    assertThat(cli.ca(dir, "crl").exit()).isZero();
    assertThat(cli.ca(dir, "crl").exit()).isZero();
    String before = cli.ca(dir, "verify", "--json").out();
    String url = migrated();

    Cli.Result copy = cli.ca(dir, "db", "copy", "--to", url);
    assertThat(copy.exit()).as(copy.toString()).isZero();
    assertThat(copy.out()).contains("Copied 2 certificates", "CRL number 2", "the copy verifies");
    assertThat(Files.readString(dir.resolve("ca/ca.json"))).contains("postgresql://");
    Cli.Result verify = cli.ca(dir, "verify", "--json");
    assertThat(verify.exit()).as(verify.toString()).isZero();
    assertThat(verify.out()).contains("postgresql://");
    // Same chain head, same counts: the chain moved verbatim, signatures and all.
    assertThat(field(verify.out(), "headHash")).isEqualTo(field(before, "headHash"));
    assertThat(cli.ca(dir, "list", "--status", "revoked").out()).contains(serialOf("carol"));
    Cli.Result crl = cli.ca(dir, "crl");
    assertThat(crl.exit()).isZero();
    assertThat(crl.out()).contains("1 revoked");
    assertThat(Processes.run(dir, "openssl", "crl", "-in", "ca/crl.der", "-inform", "DER", "-noout", "-crlnumber")
        .text()).contains("crlNumber=0x03");
    Cli.Result again = cli.ca(dir, "db", "copy", "--to", url);
    assertThat(again.exit()).isEqualTo(2);
  }

  private static String field(String json, String name) {
    int at = json.indexOf("\"" + name + "\"");
    int start = json.indexOf('"', json.indexOf(':', at) + 1) + 1;
    return json.substring(start, json.indexOf('"', start));
  }

  @Test
  void twoServeNodesOnOneDatabaseAnswerConsistentlyAndStopSayingGoodWithoutIt() throws Exception {
    String url = migrated();
    assertThat(cli.ca(dir, "init", "--intermediate", "--store", url).exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "bob", "--role", "viewer").exit()).isZero();
    ServeNode[] started = ServeNode.startTwo(dir, server.env());
    try (ServeNode a = started[0]; ServeNode b = started[1]) {
      for (ServeNode node : new ServeNode[] {a, b}) {
        assertThat(node.ocsp("clients/alice.crt", "ca/intermediate.crt").text())
            .contains("Response verify OK", "alice.crt: good");
        assertThat(node.readyz().statusCode()).isEqualTo(200);
      }
      // Revoke through the CLI (a third writer); both nodes hear of it by NOTIFY.
      java.security.cert.X509Certificate issuer = TestCerts.read(dir.resolve("ca/intermediate.crt")).get(0);
      java.math.BigInteger alice = new java.math.BigInteger(serialOf("alice"), 16);
      assertThat(a.answersRevoked(issuer, alice)).isFalse();
      assertThat(cli.ca(dir, "revoke", "--serial", serialOf("alice"), "--reason", "keyCompromise").exit()).isZero();
      long start = System.nanoTime();
      long[] seen = new long[2];
      ServeNode[] nodes = {a, b};
      // Both nodes hold a pre-signed 'good' for alice (asked above), refreshed only at half its
      // 1 h validity: an answer that changes within this bound came from the NOTIFY. The latency
      // itself is printed, not asserted (it was < 1 s: 889 ms was measured under load; the
      // distribution is `bench ca-store`'s).
      while ((seen[0] == 0 || seen[1] == 0) && System.nanoTime() - start < Duration.ofSeconds(30).toNanos()) {
        for (int i = 0; i < 2; i++) {
          if (seen[i] == 0 && nodes[i].answersRevoked(issuer, alice)) {
            seen[i] = Math.max(1, (System.nanoTime() - start) / 1_000_000); // 0 means not yet
          }
        }
        Thread.sleep(10);
      }
      System.out.printf("CA nodes answered 'revoked' %d ms and %d ms after 'ca revoke' returned%n", seen[0], seen[1]);
      assertThat(seen[0]).as("node a answered 'revoked'").isPositive();
      assertThat(seen[1]).as("node b answered 'revoked'").isPositive();
      for (ServeNode node : nodes) {
        Processes.Output revoked = node.ocsp("clients/alice.crt", "ca/intermediate.crt");
        assertThat(revoked.text()).as(revoked.text()).contains("Response verify OK", "alice.crt: revoked",
            "Reason: keyCompromise");
      }

      // Each node wrote CRLs and OCSP signer certificates of its own; the chain stays linear.
      assertThat(cli.ca(dir, "verify").exit()).isZero();

      // The database goes away: answers already signed stay (bob's, until their nextUpdate);
      // nothing new is said 'good', and both nodes report not ready.
      assertThat(a.ocsp("clients/bob.crt", "ca/intermediate.crt").text()).contains("bob.crt: good");
      server.stop();
      try {
        long lost = System.nanoTime();
        for (ServeNode node : new ServeNode[] {a, b}) {
          while (node.readyz().statusCode() == 200 && System.nanoTime() - lost < Duration.ofSeconds(30).toNanos()) {
            Thread.sleep(100);
          }
          assertThat(node.readyz().statusCode()).isEqualTo(503);
          assertThat(node.readyz().body()).contains("store unreachable");
        }
        assertThat(b.ocsp("clients/bob.crt", "ca/intermediate.crt").text()).doesNotContain(": good");
        assertThat(a.ocsp("clients/bob.crt", "ca/intermediate.crt").text()).contains("bob.crt: good");
      } finally {
        server.restart();
      }
      for (ServeNode node : new ServeNode[] {a, b}) {
        long back = System.nanoTime();
        while (node.readyz().statusCode() != 200 && System.nanoTime() - back < Duration.ofSeconds(30).toNanos()) {
          Thread.sleep(100);
        }
        assertThat(node.readyz().statusCode()).as(node.log()).isEqualTo(200);
        assertThat(node.ocsp("clients/bob.crt", "ca/intermediate.crt").text()).contains("bob.crt: good");
      }
    }
  }
}
