package io.gatehouse.ca.est;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.cli.ca.Certs;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.cli.CliEnvironment;
import io.gatehouse.cli.GatehouseCli;
import io.gatehouse.pki.identity.CertificateIdentity;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The agent's side with no passphrase anywhere: {@code gatehouse bootstrap} pins the root by
 * fingerprint, {@code gatehouse enroll} makes the key locally and enrolls with a token, {@code
 * gatehouse renew} re-enrolls over mTLS (once, with --rekey and --exec, and as a daemon).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EstClientCommandsTest {
  @TempDir static Path caDir;
  @TempDir static Path agent;
  static EstFixture fixture;
  static String url;
  static final Cli AGENT = Cli.bare();

  @BeforeAll
  static void start() throws Exception {
    fixture = new EstFixture(caDir, EstService.Limits.defaults());
    fixture.ok("provisioner", "add", "--name", "agents", "--role", "viewer", "--role", "hr.read",
        "--name-pattern", "agent-*");
    url = "https://localhost:" + fixture.port();
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  static String rootFingerprint() throws Exception {
    return HexFormat.ofDelimiter(":").withUpperCase()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(fixture.root.getEncoded()));
  }

  Path cert() {
    return agent.resolve("clients/agent-9.crt");
  }

  Path key() {
    return agent.resolve("clients/agent-9.key");
  }

  @Test
  @Order(0)
  void provisionersAreListedAndDuplicatesRefused() {
    assertThat(fixture.ok("provisioner", "list").out())
        .contains("agents (client) roles=viewer,hr.read name-pattern=agent-* max-ttl=");
    assertThat(fixture.ok("provisioner", "list", "--json").out())
        .contains("\"name\" : \"agents\"").contains("\"namePattern\" : \"agent-*\"");
    Cli.Result duplicate = EstFixture.CLI.ca(caDir, "provisioner", "add", "--name", "agents", "--role", "viewer");
    assertThat(duplicate.exit()).isEqualTo(1);
    assertThat(duplicate.err()).contains("already exists");
    Cli.Result unknown = EstFixture.CLI.ca(caDir, "provisioner", "remove", "--name", "nobody");
    assertThat(unknown.exit()).isEqualTo(1);
    assertThat(unknown.err()).contains("no provisioner named 'nobody'");
  }

  @Test
  @Order(1)
  void bootstrapRefusesAWrongFingerprintAndPinsTheRightOne() throws Exception {
    Cli.Result wrong = AGENT.run("bootstrap", "--ca", url, "--fingerprint", "ab".repeat(32), "--dir", agent.toString());
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.err()).contains("no certificate from").contains("nothing was written");
    assertThat(agent.resolve("ca/root.crt")).doesNotExist();

    Cli.Result ok = AGENT.run("bootstrap", "--ca", url, "--fingerprint", rootFingerprint(), "--dir", agent.toString());
    assertThat(ok.exit()).as(ok.toString()).isZero();
    assertThat(Certs.read(agent.resolve("ca/root.crt"))).containsExactly(fixture.root);
    assertThat(Certs.read(agent.resolve("ca/chain.pem"))).containsExactly(fixture.intermediate, fixture.root);
  }

  @Test
  @Order(2)
  void enrollMakesTheKeyLocallyAndWritesItPrivate() throws Exception {
    String token = fixture.token("--provisioner", "agents", "--name", "agent-9", "--role", "hr.read");
    Cli.Result enrolled = AGENT.run("enroll", "--ca", url, "--token", token, "--dir", agent.toString());
    assertThat(enrolled.exit()).as(enrolled.toString()).isZero();
    X509Certificate issued = Certs.read(cert()).get(0);
    assertThat(CertificateIdentity.from(issued).roles()).containsExactly("hr.read");
    assertThat(Files.getPosixFilePermissions(key())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    Certs.validate(Certs.read(cert()), fixture.root);

    Cli.Result again = AGENT.run("enroll", "--ca", url, "--token", token, "--dir", agent.toString(), "--force");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).contains("(401)").contains("already used");
  }

  @Test
  @Order(3)
  void renewRekeysReplacesBothFilesAndRunsTheHook() throws Exception {
    X509Certificate before = Certs.read(cert()).get(0);
    String keyBefore = Files.readString(key());
    Path hooked = agent.resolve("hooked");
    Cli.Result renewed = AGENT.run("renew", "--ca", url, "--cert", cert().toString(), "--key", key().toString(),
        "--rekey", "--exec", "echo renewed > " + hooked, "--dir", agent.toString());
    assertThat(renewed.exit()).as(renewed.toString()).isZero();
    X509Certificate after = Certs.read(cert()).get(0);
    assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
    assertThat(after.getSubjectX500Principal()).isEqualTo(before.getSubjectX500Principal());
    assertThat(Files.readString(key())).isNotEqualTo(keyBefore);
    assertThat(Files.getPosixFilePermissions(key())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(hooked).hasContent("renewed");
    Certs.validate(Certs.read(cert()), fixture.root);
  }

  @Test
  @Order(4)
  void theDaemonRenewsWhenDueAndRetriesWhileTheCaIsUnreachable() throws Exception {
    X509Certificate before = Certs.read(cert()).get(0);
    // A clock 20 h ahead: two thirds of the 24 h lifetime have passed, so renewal is due now.
    Clock ahead = Clock.offset(Clock.systemUTC(), Duration.ofHours(20));
    StringWriter err = new StringWriter();
    Thread daemon = run(ahead, err, "renew", "--ca", url, "--cert", cert().toString(), "--key", key().toString(),
        "--daemon", "--dir", agent.toString());
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (Certs.read(cert()).get(0).getSerialNumber().equals(before.getSerialNumber())
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    daemon.interrupt();
    daemon.join(10_000);
    assertThat(Certs.read(cert()).get(0).getSerialNumber()).isNotEqualTo(before.getSerialNumber());

    StringWriter unreachable = new StringWriter();
    Thread retrying = run(ahead, unreachable, "renew", "--ca", "https://127.0.0.1:1", "--cert", cert().toString(),
        "--key", key().toString(), "--daemon", "--dir", agent.toString());
    deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!unreachable.toString().contains("retrying in") && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    retrying.interrupt();
    retrying.join(10_000);
    assertThat(unreachable.toString()).contains("renewal failed").contains("cannot reach the CA").contains("retrying in 5 s");
  }

  @Test
  @Order(5)
  void theDaemonGivesUpLoudlyAtExpiry() {
    Clock expired = Clock.fixed(Instant.now().plus(Duration.ofDays(2)), ZoneOffset.UTC);
    Cli.Result result = AGENT.clock(expired).run("renew", "--ca", "https://127.0.0.1:1", "--cert", cert().toString(),
        "--key", key().toString(), "--daemon", "--dir", agent.toString());
    assertThat(result.exit()).isEqualTo(1);
    assertThat(result.err()).contains("expired").contains("enroll again");
    AGENT.clock(Clock.systemUTC());
  }

  /** Runs the CLI on a thread with {@code err} captured as it is written. */
  private static Thread run(Clock clock, StringWriter err, String... args) {
    CommandLine cli = GatehouseCli.newCommandLine(new CliEnvironment(Map.of(), null, clock));
    cli.setOut(new PrintWriter(new StringWriter(), true));
    cli.setErr(new PrintWriter(err, true));
    Thread thread = new Thread(() -> cli.execute(args), "renew-daemon");
    thread.start();
    return thread;
  }
}
