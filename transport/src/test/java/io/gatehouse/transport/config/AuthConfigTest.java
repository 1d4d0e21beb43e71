package io.gatehouse.transport.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code auth:} section: defaults, every key, and one-line errors. */
class AuthConfigTest {
  /** The full example of docs/authentication.md (keep them in sync). */
  static final String FULL = """
      auth:
        resource: https://mcp.example.com/mcp
        authorizationServers: [https://issuer.example]
        scopesSupported: []
        certificate:
          enabled: true
          trustDomain: gatehouse.local
          clockSkew: 30s
        jwt:
          enabled: true
          issuer: https://issuer.example
          audience: https://mcp.example.com/mcp
          algorithms: [ES256, EdDSA]
          jwksUrl: https://issuer.example/jwks.json
          jwksCacheTtl: 10m
          jwksRefreshAhead: 1m
          jwksMinRefetchInterval: 15s
          jwksConnectTimeout: 1s
          jwksFetchDeadline: 3s
          clockSkew: 30s
          tokenCacheTtl: 30s
          tokenCacheSize: 5000
        apiKey:
          enabled: true
          file: certs/apikeys.json
        revocation:
          mode: soft-fail
          responderUrl: http://127.0.0.1:8089/ocsp
          maxCacheTtl: 2m
          cacheSize: 5000
          connectTimeout: 1s
          requestTimeout: 3s
          nonce: true
        policy:
          file: policy.yaml
        rateLimits:
          maxKeys: 5000
        lockout:
          maxFailures: 5
          window: 2m
          duration: 10m
          maxSources: 5000
        audit:
          file: logs/audit.log
          maxFileBytes: 1048576
          backups: 3
          queueCapacity: 500
        executor:
          threads: 4
          queue: 100
      """;

  @Test
  void absentSectionMeansCertificatesOnlyFailClosed() {
    AuthConfig auth = TransportConfigLoader.parse("port: 9443").auth();
    assertThat(auth).isEqualTo(AuthConfig.defaults());
    assertThat(auth.certificate().enabled()).isTrue();
    assertThat(auth.jwt().enabled()).isFalse();
    assertThat(auth.apiKey().enabled()).isFalse();
    assertThat(auth.revocation().mode()).isEqualTo(AuthConfig.RevocationMode.FAIL_CLOSED);
    assertThat(auth.revocation().maxCacheTtl()).isEqualTo(Duration.ofMinutes(5));
    assertThat(auth.policy().file()).isNull();
    assertThat(auth.lockout().maxFailures()).isEqualTo(10);
    assertThat(auth.audit().file()).isNull();
  }

  @Test
  void everyKeyIsRead() {
    AuthConfig auth = TransportConfigLoader.parse(FULL).auth();
    assertThat(auth.resource()).isEqualTo(URI.create("https://mcp.example.com/mcp"));
    assertThat(auth.authorizationServers()).containsExactly("https://issuer.example");
    assertThat(auth.certificate().trustDomain()).isEqualTo("gatehouse.local");
    assertThat(auth.certificate().clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(auth.jwt().enabled()).isTrue();
    assertThat(auth.jwt().algorithms()).containsExactly("ES256", "EdDSA");
    assertThat(auth.jwt().jwksUrl()).isEqualTo(URI.create("https://issuer.example/jwks.json"));
    assertThat(auth.jwt().jwksCacheTtl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(auth.jwt().jwksFetchDeadline()).isEqualTo(Duration.ofSeconds(3));
    assertThat(auth.jwt().tokenCacheSize()).isEqualTo(5000);
    assertThat(auth.apiKey().file()).isEqualTo(Path.of("certs/apikeys.json"));
    assertThat(auth.revocation().mode()).isEqualTo(AuthConfig.RevocationMode.SOFT_FAIL);
    assertThat(auth.revocation().responderUrl()).isEqualTo(URI.create("http://127.0.0.1:8089/ocsp"));
    assertThat(auth.revocation().maxCacheTtl()).isEqualTo(Duration.ofMinutes(2));
    assertThat(auth.revocation().nonce()).isTrue();
    assertThat(auth.policy().file()).isEqualTo(Path.of("policy.yaml"));
    assertThat(auth.rateLimits().maxKeys()).isEqualTo(5000);
    assertThat(auth.lockout().duration()).isEqualTo(Duration.ofMinutes(10));
    assertThat(auth.audit().maxFileBytes()).isEqualTo(1 << 20);
    assertThat(auth.audit().backups()).isEqualTo(3);
    assertThat(auth.executor().threads()).isEqualTo(4);
  }

  @Test
  void theDocumentedExampleParses() throws Exception {
    String doc = java.nio.file.Files.readString(Path.of("../docs/authentication.md"));
    int marker = doc.indexOf("<!-- auth-config-example");
    assertThat(marker).isPositive();
    int start = doc.indexOf("```yaml\n", marker) + "```yaml\n".length();
    String yaml = doc.substring(start, doc.indexOf("```", start));
    AuthConfig auth = TransportConfigLoader.parse(yaml).auth();
    assertThat(auth.policy().file()).isEqualTo(Path.of("policy.yaml"));
    assertThat(auth.jwt().enabled()).isFalse();
    assertThat(auth.revocation().mode()).isEqualTo(AuthConfig.RevocationMode.FAIL_CLOSED);
    assertThat(auth.executor().threads()).isEqualTo(4);
  }

  @Test
  void badValuesAreOneLineErrors() {
    List<String[]> cases = List.of(
        new String[] {"auth:\n  jwt:\n    enabled: true\n    keyFile: k.pem",
            "auth.jwt.issuer is required"},
        new String[] {"auth:\n  jwt:\n    enabled: true\n    issuer: https://i\n",
            "set exactly one of keyFile and jwksUrl"},
        new String[] {"auth:\n  revocation:\n    mode: sometimes", "fail-closed, soft-fail or off"},
        new String[] {"auth:\n  revocation:\n    maxCacheTtl: 2d", "auth.revocation.maxCacheTtl must be between"},
        new String[] {"auth:\n  certificate:\n    enabled: false", "enable at least one of"},
        new String[] {"auth:\n  lockout:\n    maxFailures: 0", "auth.lockout.maxFailures must be positive"},
        new String[] {"auth:\n  jwt:\n    clockSkew: 5m", "auth.jwt.clockSkew must be between"},
        new String[] {"auth:\n  resource: ftp://x/mcp", "auth.resource must be an absolute http(s) URL"},
        new String[] {"auth:\n  polcy:\n    file: p.yaml", "polcy"});
    for (String[] c : cases) {
      assertThatThrownBy(() -> TransportConfigLoader.parse(c[0])).as(c[0])
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(c[1])
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
  }
}
