package io.gatehouse.cli.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.cli.CliEnvironment;
import io.gatehouse.cli.GatehouseCli;
import io.gatehouse.ca.est.EstClient;
import io.gatehouse.ca.est.EstService;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.cli.demo.Demo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Real time, about 7 minutes, so tagged {@code long}: outside the default suite, run by
 * {@code .ci/run} with {@code -Plong-tests} (README, "Tests"). A 5-minute certificate enrolled
 * over EST, {@code gatehouse connect --renew-from} in a child JVM, and one host session calling
 * {@code whoami} every 2 seconds across two renewals: zero failed calls, and the server sees
 * three certificate serials in turn.
 */
@Tag("long")
class ConnectRenewalLongTest {
  /** The shortest lifetime the CA issues (TtlPolicy.MINIMUM); renewal at 2/3 of it, minus jitter. */
  static final String LIFETIME = "5m";
  /** Two renewals (at most ~200 s apart) plus calls after the second. */
  static final Duration BOUND = Duration.ofMinutes(9);
  static final Duration CALL_EVERY = Duration.ofSeconds(2);

  @TempDir Path work;

  @Test
  void aFiveMinuteCertificateRenewsTwiceDuringOneSessionWithZeroFailedCalls() throws Exception {
    Path certs = work.resolve("certs");
    StringWriter output = new StringWriter();
    try (Demo demo = new Demo(new Demo.Options(certs, 0, 0, Map.of()), new PrintWriter(output, true))) {
      assertThat(demo.run().steps()).filteredOn(s -> s.number() <= 3).hasSize(3)
          .as(output.toString()).allMatch(Demo.Step::ok);
      char[] passphrase = Files.readString(demo.passphraseFile()).strip().toCharArray();
      Path agent = work.resolve("agent");
      try (CertificateAuthority ca = CertificateAuthority.open(certs)) {
        JwtSigningKey jwt = JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase);
        try (CaService est = CaService.start(ca, ca.unlock(passphrase), jwt,
            new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
                new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"), EstService.Limits.defaults())),
            Clock.systemUTC())) {
          String estUrl = "https://localhost:" + est.httpsPort();
          gatehouse(demo, "ca", "provisioner", "add", "--dir", certs.toString(), "--name", "short",
              "--role", "assistant-manager", "--name-pattern", "agent-*", "--max-ttl", LIFETIME);
          String token = gatehouse(demo, "ca", "enroll-token", "--dir", certs.toString(), "--provisioner", "short",
              "--name", "agent-long").strip();
          gatehouse(demo, "bootstrap", "--ca", estUrl, "--fingerprint",
              EstClient.fingerprint(PemFiles.readCertificate(ca.layout().rootCertificate())), "--dir", agent.toString());
          gatehouse(demo, "enroll", "--ca", estUrl, "--token", token, "--dir", agent.toString());
          Path cert = agent.resolve("clients/agent-long.crt");
          var first = PemFiles.readCertificate(cert);
          assertThat(Duration.between(first.getNotBefore().toInstant(), first.getNotAfter().toInstant()))
              .isLessThanOrEqualTo(Duration.ofMinutes(6));

          List<String> args = List.of("--url", demo.mcpUrl(), "--cert", cert.toString(),
              "--key", agent.resolve("clients/agent-long.key").toString(), "--ca", demo.layout().chain().toString(),
              "--renew-from", estUrl);
          Set<String> serials = new LinkedHashSet<>();
          List<String> failures = new ArrayList<>();
          int calls = 0;
          long start = System.nanoTime();
          try (BridgeProcess bridge = new BridgeProcess(args)) {
            assertThat(bridge.initialize(Duration.ofMinutes(2)).has("result")).as(bridge.stderr.toString()).isTrue();
            int id = 10;
            int callsAfterSecondRenewal = 0;
            while (System.nanoTime() - start < BOUND.toNanos() && callsAfterSecondRenewal < 5) {
              JsonNode who = bridge.request(id, "tools/call", "{\"name\":\"whoami\",\"arguments\":{}}",
                  Duration.ofSeconds(60));
              calls++;
              if (!who.has("result") || who.path("result").path("isError").asBoolean(false)) {
                failures.add(id + ": " + who);
              } else {
                serials.add(who.path("result").path("structuredContent").path("credential_id").asString("")
                    .toLowerCase(java.util.Locale.ROOT));
              }
              if (serials.size() >= 3) {
                callsAfterSecondRenewal++;
              }
              id++;
              Thread.sleep(CALL_EVERY.toMillis());
            }
            bridge.close();
            bridge.assertOnlyJsonRpc();
            assertThat(bridge.stderr.toString()).contains("renewed the certificate").doesNotContain("PRIVATE KEY");
          }
          long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
          System.err.printf("ConnectRenewalLongTest: %d calls in %d s, %d failed, serials %s%n",
              calls, seconds, failures.size(), serials);
          assertThat(failures).as("failed calls").isEmpty();
          assertThat(serials).as("certificates the server saw, in turn").hasSize(3)
              .first().isEqualTo(first.getSerialNumber().toString(16));
          assertThat(PemFiles.readCertificate(cert).getSerialNumber().toString(16)).isEqualTo(new ArrayList<>(serials).get(2));
        }
      }
    }
  }

  static String gatehouse(Demo demo, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = GatehouseCli.newCommandLine(new CliEnvironment(
        Map.of(CliEnvironment.CA_PASSPHRASE + CliEnvironment.FILE_SUFFIX, demo.passphraseFile().toString()),
        null, Clock.systemUTC()));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute(args)).as(String.join(" ", args) + ": " + err).isZero();
    return out.toString();
  }
}
