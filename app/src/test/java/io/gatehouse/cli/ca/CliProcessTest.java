package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliChild;


import io.gatehouse.cli.CliEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI as a real process (environment variables, exit codes), and its extension SPI. */
class CliProcessTest {
  @TempDir Path dir;

  private Processes.Output gatehouse(Map<String, String> env, String... args) throws Exception {
    return Processes.run(dir, env, CliChild.command(args));
  }

  @Test
  void passphraseFromTheEnvironmentAndExitCodes() throws Exception {
    Map<String, String> env = Map.of(CliEnvironment.CA_PASSPHRASE, "from the environment 42");
    Processes.Output init = gatehouse(env, "ca", "init", "--dir", "certs");
    assertThat(init.exit()).as(init.text()).isZero();
    Processes.Output issue = gatehouse(env, "ca", "issue", "client", "--name", "alice", "--role", "viewer");
    assertThat(issue.exit()).as(issue.text()).isZero();
    assertThat(Files.exists(dir.resolve("certs/clients/alice.crt"))).isTrue();

    Processes.Output wrong = gatehouse(Map.of(CliEnvironment.CA_PASSPHRASE, "some other passphrase"),
        "ca", "issue", "client", "--name", "bob", "--role", "viewer");
    assertThat(wrong.exit()).isEqualTo(1);
    assertThat(wrong.text().strip()).startsWith("gatehouse: wrong CA passphrase").doesNotContain("\n");

    Processes.Output usage = gatehouse(env, "ca", "issue", "client", "--name", "bob", "--role", "Bad");
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(gatehouse(Map.of(), "--help").text()).contains("ca", "apikey", "connect");
  }
}
