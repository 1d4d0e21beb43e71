package io.gatehouse.example.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

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
