package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import io.gatehouse.transport.auth.jwt.JwtConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.testing.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link GatehouseAuth#fromConfig} refuses to build a pipeline that cannot be right. */
class GatehouseAuthConfigTest {
  @TempDir Path dir;

  @Test
  void misconfigurationsAreOneLineErrors() throws Exception {
    TestPki pki = TestPki.create(dir, "cfg");
    TestPki.Issued server = pki.server();
    Path policy = AuthFixture.writePolicy(dir);
    TransportConfig tls = TransportConfig.defaults().withAddress("127.0.0.1", 0)
        .withTls(TransportConfig.Tls.of(server.certificatePem(), server.keyPem())
            .withClientAuth(TransportConfig.ClientAuthMode.NONE, pki.rootPem()));
    Path badPolicy = Files.writeString(dir.resolve("bad.yaml"), "roles:\n  viewer:\n    includes: [nobody]\n");
    Map<TransportConfig, String> cases = Map.of(
        tls.withAuth(AuthConfig.defaults()), "auth.policy.file is required",
        tls.withAuth(AuthConfig.defaults().withPolicy(dir.resolve("missing.yaml"))), "missing.yaml",
        tls.withAuth(AuthConfig.defaults().withPolicy(badPolicy)), "'nobody' is not declared",
        tls.withTls(TransportConfig.Tls.of(server.certificatePem(), server.keyPem()))
            .withAuth(AuthConfig.defaults().withPolicy(policy)), "auth.certificate needs tls.trustBundle",
        tls.withPlainHttp().withAuth(AuthConfig.defaults().withPolicy(policy)), "needs TLS",
        tls.withAuth(AuthConfig.defaults().withPolicy(policy).withMethods(
            CertificateConfig.defaults(),
            JwtConfig.withKeyFile("https://issuer.example", dir.resolve("nokey.pem")),
            new ApiKeyConfig(false, null))
            .withResource(java.net.URI.create("https://mcp.example.com/mcp"))), "auth.jwt.keyFile",
        // JWT on without auth.resource: no shared default audience (issue 11, finding 7).
        tls.withAuth(AuthConfig.defaults().withPolicy(policy).withMethods(
            CertificateConfig.defaults(),
            JwtConfig.withKeyFile("https://issuer.example", dir.resolve("nokey.pem")),
            new ApiKeyConfig(false, null))), "auth.resource is required when auth.jwt is enabled");
    cases.forEach((config, message) -> assertThatThrownBy(() -> GatehouseAuth.fromConfig(config))
        .as(message)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n")));
    // And the good one builds.
    try (GatehouseAuth auth = GatehouseAuth.fromConfig(tls.withAuth(
        AuthConfig.defaults().withPolicy(policy)))) {
      assertThat(auth.clientAuthMode()).isEqualTo(TransportConfig.ClientAuthMode.REQUIRE);
      assertThat(auth.resource()).isEqualTo("https://localhost:8443/mcp");
    }
  }
}
