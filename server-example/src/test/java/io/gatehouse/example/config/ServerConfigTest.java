package io.gatehouse.example.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.EnvironmentOverrides;
import io.gatehouse.transport.config.TransportConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
  @TempDir Path dir;

  Path file(String yaml) throws Exception {
    Path file = dir.resolve("gatehouse.yaml");
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void theDocumentedDefaultsAreTheTransportsOwn() {
    ServerConfig config = ServerConfig.load(null, Map.of());
    TransportConfig transport = TransportConfig.defaults();
    assertThat(config.server().limits()).isEqualTo(transport.limits());
    assertThat(config.server().allowedHosts()).isEqualTo(transport.allowedHosts());
    assertThat(config.server().allowedOrigins()).isEqualTo(transport.allowedOrigins());
    assertThat(config.server().shutdownGrace()).isEqualTo(transport.shutdownGrace());
    assertThat(config.server().bind()).isEqualTo(transport.bind());
    assertThat(config.server().port()).isEqualTo(transport.port());
    assertThat(config.server().plainHttp()).isFalse();
    assertThat(config.server().tls().certificate()).isEqualTo(Path.of("certs/servers/localhost.crt"));
    assertThat(config.server().tls().trustBundle()).isEqualTo(Path.of("certs/ca/chain.pem"));
    assertThat(config.metrics().enabled()).isTrue();
  }

  @Test
  void theFileOverridesDefaultsKeyByKeyAndTheEnvironmentOverridesTheFile() throws Exception {
    Path file = file("""
        server:
          port: 9443
          limits: {maxBodyBytes: 1024}
          allowedHosts: [mcp.example.com]
        metrics: {enabled: false}
        """);
    ServerConfig fromFile = ServerConfig.load(file, Map.of());
    assertThat(fromFile.server().port()).isEqualTo(9443);
    assertThat(fromFile.server().limits().maxBodyBytes()).isEqualTo(1024);
    assertThat(fromFile.server().limits().maxHeaderCount()).isEqualTo(64);   // untouched sibling
    assertThat(fromFile.server().tls().privateKey()).isEqualTo(Path.of("certs/servers/localhost.key"));
    assertThat(fromFile.server().allowedHosts()).containsExactly("mcp.example.com");
    assertThat(fromFile.metrics().enabled()).isFalse();

    ServerConfig overridden = ServerConfig.load(file, Map.of(
        "GATEHOUSE_SERVER_PORT", "10443",
        "GATEHOUSE_SERVER_TLS_CLIENT_AUTH", "require",
        "GATEHOUSE_SERVER_LIMITS_REQUEST_READ_TIMEOUT", "5s",
        "GATEHOUSE_SERVER_ALLOWED_HOSTS", "a.example, b.example",
        "GATEHOUSE_METRICS_ENABLED", "true",
        "GATEHOUSE_CA_PASSPHRASE", "not a config key, and not this command's business",
        "PATH", "/usr/bin"));
    assertThat(overridden.server().port()).isEqualTo(10443);
    assertThat(overridden.server().tls().clientAuth()).isEqualTo(TransportConfig.ClientAuthMode.REQUIRE);
    assertThat(overridden.server().limits().requestReadTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(overridden.server().limits().maxBodyBytes()).isEqualTo(1024);
    assertThat(overridden.server().allowedHosts()).containsExactly("a.example", "b.example");
    assertThat(overridden.metrics().enabled()).isTrue();
  }

  @Test
  void theDocumentedAuthDefaultsAreTheAuthPipelinesOwnPlusTheShippedPolicy() {
    AuthConfig auth = ServerConfig.load(null, Map.of()).server().auth();
    AuthConfig defaults = AuthConfig.defaults();
    assertThat(auth.certificate()).isEqualTo(defaults.certificate());
    assertThat(auth.jwt()).isEqualTo(defaults.jwt());
    assertThat(auth.apiKey()).isEqualTo(defaults.apiKey());
    assertThat(auth.revocation()).isEqualTo(defaults.revocation());
    assertThat(auth.rateLimits()).isEqualTo(defaults.rateLimits());
    assertThat(auth.lockout()).isEqualTo(defaults.lockout());
    assertThat(auth.audit()).isEqualTo(defaults.audit());
    assertThat(auth.executor()).isEqualTo(defaults.executor());
    assertThat(auth.resource()).isEqualTo(defaults.resource());
    assertThat(auth.authorizationServers()).isEqualTo(defaults.authorizationServers());
    assertThat(auth.scopesSupported()).isEqualTo(defaults.scopesSupported());
    assertThat(auth.policy().file()).isEqualTo(Path.of("server-example/config/policy.yaml"));
  }

  @Test
  void authKeysHaveVariablesToo() {
    AuthConfig auth = ServerConfig.load(null, Map.of(
        "GATEHOUSE_AUTH_REVOCATION_MODE", "soft-fail",
        "GATEHOUSE_AUTH_REVOCATION_MAX_CACHE_TTL", "30s",
        "GATEHOUSE_AUTH_JWT_ENABLED", "true",
        "GATEHOUSE_AUTH_JWT_ISSUER", "https://issuer.example",
        "GATEHOUSE_AUTH_JWT_JWKS_URL", "https://issuer.example/jwks.json",
        "GATEHOUSE_AUTH_JWT_ALGORITHMS", "ES256,EdDSA",
        "GATEHOUSE_AUTH_AUTHORIZATION_SERVERS", "https://a.example,https://b.example",
        "GATEHOUSE_AUTH_API_KEY_ENABLED", "true",
        "GATEHOUSE_AUTH_POLICY_FILE", "/etc/gatehouse/policy.yaml")).server().auth();
    assertThat(auth.revocation().mode()).isEqualTo(AuthConfig.RevocationMode.SOFT_FAIL);
    assertThat(auth.revocation().maxCacheTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(auth.jwt().enabled()).isTrue();
    assertThat(auth.jwt().algorithms()).containsExactly("ES256", "EdDSA");
    assertThat(auth.authorizationServers()).containsExactly("https://a.example", "https://b.example");
    assertThat(auth.apiKey().enabled()).isTrue();
    assertThat(auth.policy().file()).isEqualTo(Path.of("/etc/gatehouse/policy.yaml"));
    assertThatThrownBy(() -> ServerConfig.load(null, Map.of("GATEHOUSE_AUTH_JWT_ENABLED", "true")))
        .hasMessageContaining("auth.jwt.issuer");
  }

  @Test
  void theShippedExampleConfigLoads() {
    ServerConfig config = ServerConfig.load(Path.of("config/gatehouse.yaml"), Map.of());
    assertThat(config.server().auth().jwt().enabled()).isTrue();
    assertThat(config.server().auth().apiKey().enabled()).isTrue();
    // JWT on needs an explicit audience (issue 11, finding 7).
    assertThat(config.server().auth().resource()).hasToString("https://localhost:8443/mcp");
  }

  @Test
  void authIsATopLevelSection() throws Exception {
    assertThatThrownBy(() -> ServerConfig.load(file("server: {auth: {}}\n"), Map.of()))
        .hasMessageContaining("top-level");
  }

  @Test
  void anEmptyVariableClearsAKeyBackToUnset() {
    ServerConfig config = ServerConfig.load(null, Map.of("GATEHOUSE_SERVER_TLS_TRUST_BUNDLE", ""));
    assertThat(config.server().tls().trustBundle()).isNull();
  }

  @Test
  void mistakesAreOneLineErrorsNamingThePlace() throws Exception {
    assertThatThrownBy(() -> ServerConfig.load(null, Map.of("GATEHOUSE_SERVER_PROT", "1")))
        .hasMessageContaining("GATEHOUSE_SERVER_PROT");
    assertThatThrownBy(() -> ServerConfig.load(file("sever: {port: 1}\n"), Map.of()))
        .hasMessageContaining("unknown section 'sever'");
    assertThatThrownBy(() -> ServerConfig.load(file("server: {prot: 1}\n"), Map.of()))
        .hasMessageContaining("prot").hasMessageContaining("gatehouse.yaml");
    assertThatThrownBy(() -> ServerConfig.load(file("metrics: {enabled: maybe}\n"), Map.of()))
        .hasMessageContaining("metrics.enabled");
    assertThatThrownBy(() -> ServerConfig.load(file("server: [\n"), Map.of()))
        .hasMessageContaining("not valid YAML");
    assertThatThrownBy(() -> ServerConfig.load(null, Map.of("GATEHOUSE_SERVER_PORT", "70000")))
        .hasMessageContaining("port");
    assertThatThrownBy(() -> ServerConfig.load(dir.resolve("missing.yaml"), Map.of()))
        .hasMessageContaining("cannot read config");
    assertThat(catchThrowable(() -> ServerConfig.load(file("server: {prot: 1}\n"), Map.of())))
        .message().doesNotContain("\n");
  }

  @Test
  void jsonIsAcceptedToo() throws Exception {
    Path json = dir.resolve("gatehouse.json");
    Files.writeString(json, "{\"server\": {\"port\": 8444, \"tls\": {\"provider\": \"auto\"}}}");
    ServerConfig config = ServerConfig.load(json, Map.of());
    assertThat(config.server().port()).isEqualTo(8444);
    assertThat(config.server().tls().provider()).isEqualTo(TransportConfig.TlsProvider.AUTO);
  }

  @Test
  void everyKeyHasAVariableNamedAfterItsPath() {
    assertThat(ServerConfig.environment().variables())
        .extracting(EnvironmentOverrides.Variable::variable)
        .contains("GATEHOUSE_SERVER_PORT", "GATEHOUSE_SERVER_BIND", "GATEHOUSE_SERVER_TLS_CLIENT_AUTH",
            "GATEHOUSE_SERVER_LIMITS_MAX_SESSIONS_PER_PRINCIPAL", "GATEHOUSE_METRICS_ENABLED")
        .doesNotHaveDuplicates();
    assertThat(EnvironmentOverrides.variableFor("auth.revocation.max_cache_ttl"))
        .isEqualTo("GATEHOUSE_AUTH_REVOCATION_MAX_CACHE_TTL");
  }

  @Test
  void theConfigurationReferenceDocumentsEveryKeyAndVariable() throws Exception {
    String doc = Files.readString(Path.of("../docs/configuration.md"));
    for (EnvironmentOverrides.Variable v : ServerConfig.environment().variables()) {
      assertThat(doc).as(v.path()).contains("`" + v.path() + "`").contains(v.variable());
    }
  }
}
