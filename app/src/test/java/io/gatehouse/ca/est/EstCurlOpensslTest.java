package io.gatehouse.ca.est;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.cli.ca.Certs;
import io.gatehouse.cli.ca.Processes;
import io.gatehouse.pki.identity.CertificateIdentity;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EST by hand, as docs/est.md shows it: curl and openssl only (no Java on the client side) do
 * cacerts, simpleenroll with a token and simplereenroll over mTLS; openssl verifies what they got.
 */
class EstCurlOpensslTest {
  @TempDir Path caDir;
  @TempDir Path work;

  @Test
  void curlAndOpensslEnrollAndReenroll() throws Exception {
    try (EstFixture fixture = new EstFixture(caDir, EstService.Limits.defaults())) {
      fixture.ok("provisioner", "add", "--name", "agents", "--role", "viewer", "--role", "hr.read",
          "--name-pattern", "agent-*");
      String token = fixture.cliToken("--provisioner", "agents", "--name", "agent-8", "--role", "viewer");
      Path script = work.resolve("walkthrough.sh");
      try (InputStream in = getClass().getResourceAsStream("/est/curl-walkthrough.sh")) {
        Files.write(script, in.readAllBytes());
      }
      Processes.Output run = Processes.run(work, Map.of("EST", fixture.est().replaceAll("/$", ""),
          "TOKEN", token, "ROOT", caDir.resolve("ca/root.crt").toString(), "NAME", "agent-8"),
          List.of("bash", script.toString()));
      assertThat(run.exit()).as(run.text()).isZero();
      assertThat(run.text()).contains("agent-8.crt: OK").contains("agent-8.new.crt: OK")
          .contains("401").contains("already used");

      X509Certificate issued = Certs.read(work.resolve("agent-8.crt")).get(0);
      X509Certificate renewed = Certs.read(work.resolve("agent-8.new.crt")).get(0);
      assertThat(CertificateIdentity.from(issued).spiffeId().name()).isEqualTo("agent-8");
      assertThat(CertificateIdentity.from(issued).roles()).containsExactly("viewer");
      assertThat(CertificateIdentity.from(renewed).roles()).containsExactly("viewer");
      assertThat(renewed.getSerialNumber()).isNotEqualTo(issued.getSerialNumber());
      assertThat(Certs.read(work.resolve("chain.pem"))).containsExactlyInAnyOrder(fixture.intermediate, fixture.root);
    }
  }
}
