package io.gatehouse.transport.config;

import io.gatehouse.transport.auth.jwt.JwtConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.auth.idp.ExternalIssuers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code auth.jwt.issuers}: objects in YAML, plain URLs in YAML or the environment. */
class IssuersConfigTest {
  @Test
  void issuersAreObjectsWithDefaults() {
    JwtConfig jwt = TransportConfigLoader.parse("""
        auth:
          jwt:
            enabled: true
            issuers:
              - issuer: https://kc.example/realms/mcp
                audience: mcp-gatehouse
                rolesClaim: realm_access.roles
                roleMapping: {mcp-reader: viewer}
                requireCnf: true
                trustBundle: certs/idp-ca.pem
              - https://login.example.com/tenant/v2.0
        """).auth().jwt();
    JwtConfig.Issuer keycloak = jwt.issuers().get(0);
    assertThat(keycloak.audience()).isEqualTo("mcp-gatehouse");
    assertThat(keycloak.roleMapping()).isEqualTo(Map.of("mcp-reader", "viewer"));
    assertThat(keycloak.requireCnf()).isTrue();
    assertThat(keycloak.trustBundle()).isEqualTo(Path.of("certs/idp-ca.pem"));
    JwtConfig.Issuer plain = jwt.issuers().get(1);
    assertThat(plain.rolesClaim()).isEqualTo("roles");
    assertThat(plain.roleMapping()).isNull();
    assertThat(plain.requireCnf()).isFalse();
    assertThat(plain.algorithms()).isEqualTo(JwtConfig.Issuer.DEFAULT_ALGORITHMS);
    assertThat(jwt.issuers()).extracting(JwtConfig.Issuer::issuer)
        .containsExactly("https://kc.example/realms/mcp", "https://login.example.com/tenant/v2.0");
  }

  @Test
  void theEnvironmentTakesACommaSeparatedListOfUrls() {
    GatehouseConfig config = GatehouseConfigLoader.withModelDefaults().load(null, Map.of(
        "GATEHOUSE_AUTH_JWT_ENABLED", "true",
        "GATEHOUSE_AUTH_JWT_ISSUERS", "https://a.example,https://b.example/x")).config();
    assertThat(config.auth().jwt().issuers()).extracting(JwtConfig.Issuer::issuer)
        .containsExactly("https://a.example", "https://b.example/x");
  }

  @Test
  void localAndExternalIssuersAreListedTogether() {
    JwtConfig jwt = JwtConfig.builder().enabled(true).issuer("https://gatehouse.local")
        .keyFile(Path.of("k.json")).issuers(List.of(JwtConfig.Issuer.of("https://idp.example")))
        .build();
    assertThat(jwt.issuer()).isEqualTo("https://gatehouse.local");
    assertThat(jwt.issuers()).extracting(JwtConfig.Issuer::issuer).containsExactly("https://idp.example");
    assertThat(JwtConfig.disabled().issuers()).isEmpty();
  }

  @Test
  void badIssuersAreOneLineErrors() {
    for (String[] c : List.of(
        new String[] {"- http://idp.example", "must be an https URL"},
        new String[] {"- https://idp.example#frag", "without query or fragment"},
        new String[] {"- https://idp.example\n      - https://idp.example", "twice"})) {
      assertThatThrownBy(() -> TransportConfigLoader.parse(
          "auth:\n  jwt:\n    enabled: true\n    issuers:\n      " + c[0]))
          .as(c[0]).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c[1])
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }
}
