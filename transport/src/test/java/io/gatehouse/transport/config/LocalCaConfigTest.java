package io.gatehouse.transport.config;

import io.gatehouse.transport.auth.jwt.JwtConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code auth.jwt.localCaTrustDomain} and {@code auth.jwt.localCaAuthorizationServer}: read from
 * YAML and the environment, and every inconsistent combination refused with one line naming the
 * key.
 */
class LocalCaConfigTest {
  private static final String LOCAL_CA = """
      auth:
        resource: https://mcp.example.com/mcp
        jwt:
          enabled: true
          issuer: %s
          keyFile: certs/ca/jwks.json
          localCaTrustDomain: %s
          localCaAuthorizationServer: %s
      """;

  private static JwtConfig parse(String issuer, String trustDomain, String listed) {
    return TransportConfigLoader.parse(LOCAL_CA.formatted(issuer, trustDomain, listed)).auth().jwt();
  }

  @Test
  void theKeysAreReadFromYamlAndTheEnvironment() {
    JwtConfig jwt = parse("https://ca.internal:8090", "gatehouse.local", "true");
    assertThat(jwt.localCaTrustDomain()).isEqualTo("gatehouse.local");
    assertThat(jwt.localCaAuthorizationServer()).isTrue();
    JwtConfig fromEnv = GatehouseConfigLoader.withModelDefaults().load(null, Map.of(
        "GATEHOUSE_AUTH_JWT_ENABLED", "true",
        "GATEHOUSE_AUTH_JWT_ISSUER", "https://ca.internal:8090",
        "GATEHOUSE_AUTH_JWT_KEY_FILE", "certs/ca/jwks.json",
        "GATEHOUSE_AUTH_JWT_LOCAL_CA_TRUST_DOMAIN", "corp.example",
        "GATEHOUSE_AUTH_JWT_LOCAL_CA_AUTHORIZATION_SERVER", "true")).config().auth().jwt();
    assertThat(fromEnv.localCaTrustDomain()).isEqualTo("corp.example");
    assertThat(fromEnv.localCaAuthorizationServer()).isTrue();
    JwtConfig unset = JwtConfig.withKeyFile("https://ca.internal:8090",
        java.nio.file.Path.of("k.json"));
    assertThat(unset.localCaTrustDomain()).isNull();
    assertThat(unset.localCaAuthorizationServer()).isFalse();
  }

  @Test
  void inconsistentCombinationsAreRefused() {
    assertThatThrownBy(() -> parse("https://ca.internal:8090", "Not_A_Domain!", "false"))
        .hasMessageContaining("auth.jwt.localCaTrustDomain is not a valid trust domain");
    assertThatThrownBy(() -> parse("http://ca.internal:8090", "gatehouse.local", "true"))
        .hasMessageContaining("auth.jwt.localCaAuthorizationServer")
        .hasMessageContaining("https URL");
    assertThatThrownBy(() -> JwtConfig.builder().enabled(true)
        .issuers(java.util.List.of(JwtConfig.Issuer.of("https://idp.example")))
        .localCaTrustDomain("gatehouse.local").build())
        .hasMessageContaining("set auth.jwt.issuer");
    assertThatThrownBy(() -> JwtConfig.builder().enabled(true).issuer("https://ca.internal")
        .keyFile(java.nio.file.Path.of("k.json")).localCaAuthorizationServer(true).build())
        .hasMessageContaining("needs auth.jwt.localCaTrustDomain");
    assertThatThrownBy(() -> TransportConfigLoader.parse("""
        auth:
          resource: https://mcp.example.com/mcp
          certificate: {trustDomain: corp.example}
          jwt:
            enabled: true
            issuer: https://ca.internal:8090
            keyFile: certs/ca/jwks.json
            localCaTrustDomain: gatehouse.local
        """)).hasMessageContaining("differs from auth.certificate.trustDomain corp.example");
  }
}
