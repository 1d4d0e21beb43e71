package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliChild;

import io.gatehouse.testing.TestCerts;

import io.gatehouse.cli.CliEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ca serve} as a real process, queried by the real {@code openssl ocsp}, with {@code ca
 * revoke} run by another process (this JVM) against the shared store; then stopped with SIGTERM.
 */
class ServeProcessTest {
  private final Cli cli = Cli.withPassphrase();

  @TempDir Path dir;

  private Processes.Output ocsp(String url, String cert, String issuer, String... extra) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl", "ocsp", "-issuer", issuer, "-cert", cert,
        "-url", url, "-CAfile", "ca/chain.pem"));
    command.addAll(List.of(extra));
    return Processes.run(dir, java.util.Map.of(), command);
  }

  @Test
  void opensslOcspSeesGoodThenRevokedAndServerStopsOnSigterm() throws Exception {
    assertThat(cli.ca(dir, "init", "--intermediate").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    Path other = dir.resolve("other");
    assertThat(cli.ca(other, "init").exit()).isZero();
    assertThat(cli.ca(other, "issue", "client", "--name", "zed", "--role", "viewer").exit()).isZero();

    ProcessBuilder builder = new ProcessBuilder(CliChild.command(
        "ca", "serve", "--port", "0", "--https-port", "0", "--dir", dir.toString())).redirectErrorStream(true);
    builder.environment().put(CliEnvironment.CA_PASSPHRASE, Cli.PASSPHRASE);
    Process serve = builder.start();
    try {
      BufferedReader output = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
      // Log lines may come first; the banner names the bound port.
      Pattern serving = Pattern.compile("Serving .* on (http://[0-9.]+:\\d+) ");
      StringBuilder before = new StringBuilder();
      String url = null;
      for (String line = output.readLine(); line != null && url == null; ) {
        Matcher matcher = serving.matcher(line);
        if (matcher.find()) {
          url = matcher.group(1) + "/ocsp";
        } else {
          before.append(line).append('\n');
          line = output.readLine();
        }
      }
      assertThat(url).as(before.toString()).isNotNull();
      StringBuilder rest = new StringBuilder();
      Thread drain = new Thread(() -> output.lines().forEach(line -> rest.append(line).append('\n')));
      drain.start();

      Processes.Output good = ocsp(url, "clients/alice.crt", "ca/intermediate.crt");
      assertThat(good.text()).as(good.text()).contains("Response verify OK", "clients/alice.crt: good");
      Processes.Output noNonce = ocsp(url, "clients/alice.crt", "ca/intermediate.crt", "-no_nonce");
      assertThat(noNonce.text()).contains("Response verify OK", "clients/alice.crt: good");
      Processes.Output unknown = ocsp(url, "other/clients/zed.crt", "other/ca/root.crt", "-no_nonce", "-VAfile",
          "ca/chain.pem");
      assertThat(unknown.text()).as(unknown.text()).contains("unknown");

      String serial = TestCerts.read(dir.resolve("clients/alice.crt")).get(0).getSerialNumber().toString(16);
      assertThat(cli.ca(dir, "revoke", "--serial", serial, "--reason", "keyCompromise").exit()).isZero();
      long start = System.nanoTime();
      Processes.Output revoked = ocsp(url, "clients/alice.crt", "ca/intermediate.crt", "-no_nonce");
      while (!revoked.text().contains(": revoked") && System.nanoTime() - start < Duration.ofSeconds(30).toNanos()) {
        Thread.sleep(50);
        revoked = ocsp(url, "clients/alice.crt", "ca/intermediate.crt", "-no_nonce");
      }
      System.out.printf("openssl ocsp saw the revocation after %d ms%n", (System.nanoTime() - start) / 1_000_000);
      assertThat(revoked.text()).as(revoked.text())
          .contains("Response verify OK", "clients/alice.crt: revoked", "Reason: keyCompromise", "Revocation Time");

      serve.destroy(); // SIGTERM
      assertThat(serve.waitFor(20, TimeUnit.SECONDS)).isTrue();
      drain.join(5_000);
      assertThat(rest.toString()).doesNotContain("Exception");
      assertThat(serve.exitValue()).isEqualTo(143);
    } finally {
      serve.destroyForcibly();
    }
  }
}
