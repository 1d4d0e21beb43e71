package io.gatehouse.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.cli.CliEnvironment;
import io.gatehouse.cli.GatehouseCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse demo --exit} through the CLI: exit codes, idempotence, a clean failure. */
class DemoCommandTest {
  @TempDir Path work;

  record Run(int exit, String out, String err) {}

  static Run demo(Path dir, Map<String, String> env) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = GatehouseCli.newCommandLine(new CliEnvironment(env, null, Clock.systemUTC()));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute("demo", "--exit", "--dir", dir.toString(), "--port", "0", "--ca-port", "0");
    return new Run(exit, out.toString(), err.toString());
  }

  static long marks(String output, String mark) {
    return output.lines().filter(l -> l.startsWith(mark)).count();
  }

  @Test
  void aSecondRunReusesTheCaAndEveryCertificateStillGoodAndReissuesTheRevokedOne() throws Exception {
    Path dir = work.resolve("certs");
    Run first = demo(dir, Map.of());
    assertThat(first.exit()).as(first.out() + first.err()).isZero();
    assertThat(marks(first.out(), "✓")).isEqualTo(Demo.STEPS - 1);
    byte[] root = Files.readAllBytes(dir.resolve("ca/root.crt"));
    String passphrase = Files.readString(dir.resolve("demo/ca-passphrase"));
    byte[] alice = Files.readAllBytes(dir.resolve("clients/alice.crt"));
    byte[] server = Files.readAllBytes(dir.resolve("servers/localhost.crt"));
    byte[] carol = Files.readAllBytes(dir.resolve("clients/carol.crt"));

    Run second = demo(dir, Map.of());
    assertThat(second.exit()).as(second.out() + second.err()).isZero();
    assertThat(marks(second.out(), "✓")).isEqualTo(Demo.STEPS - 1);
    assertThat(marks(second.out(), "✗")).isZero();
    assertThat(Files.readAllBytes(dir.resolve("ca/root.crt"))).isEqualTo(root);
    assertThat(Files.readString(dir.resolve("demo/ca-passphrase"))).isEqualTo(passphrase);
    assertThat(Files.readAllBytes(dir.resolve("clients/alice.crt"))).isEqualTo(alice);
    assertThat(Files.readAllBytes(dir.resolve("servers/localhost.crt"))).isEqualTo(server);
    assertThat(Files.readAllBytes(dir.resolve("clients/carol.crt"))).isNotEqualTo(carol);   // was revoked
  }

  @Test
  void aCaWhosePassphraseIsUnknownStopsAtStepOneWithOneLineAndExitOne() throws Exception {
    Path dir = work.resolve("certs");
    var cli = GatehouseCli.newCommandLine(new CliEnvironment(
        Map.of(CliEnvironment.CA_PASSPHRASE, "a passphrase the demo never saw"), null, Clock.systemUTC()));
    cli.setOut(new PrintWriter(new StringWriter()));
    assertThat(cli.execute("ca", "init", "--dir", dir.toString())).isZero();

    Run run = demo(dir, Map.of());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(marks(run.out(), "✗ 1/" + Demo.STEPS)).isEqualTo(1);
    assertThat(marks(run.out(), "✓")).isZero();
    assertThat(run.out() + run.err()).doesNotContain("Exception").doesNotContain("\tat ");

    // A wrong passphrase from the environment is refused at step 1 as well.
    Run withEnv = demo(dir, Map.of(CliEnvironment.CA_PASSPHRASE, "wrong but long enough"));
    assertThat(withEnv.exit()).isEqualTo(1);
    assertThat(withEnv.out()).contains("✗ 1/" + Demo.STEPS);
  }
}
