package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import io.gatehouse.transport.auth.jwt.JwtConfig;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.RESOURCE;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.auditContaining;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.call;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.client;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.get;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.toolNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.idp.ExternalIssuers;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.OidcProvider;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.testing.TestServer;
import io.modelcontextprotocol.client.McpSyncClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delegation to an identity provider we did not write: panva's oidc-provider on loopback HTTPS
 * (its own test CA) issues client_credentials tokens with an RFC 8707 resource indicator and
 * Keycloak-shaped {@code realm_access.roles}; a real Gatehouse server finds its keys by discovery
 * and judges the tokens over real MCP calls.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExternalIssuerTest {
  @TempDir static Path dir;
  static TestPki idpPki;
  static OidcProvider idp;
  static OidcProvider otherIdp;
  static RealCa ca;
  static TestServer server;
  static Path audit;
  static SSLContext noCertificate;

  @BeforeAll
  static void start() throws Exception {
    idpPki = TestPki.create(java.nio.file.Files.createDirectories(dir.resolve("idp")), "idp");
    TestPki.Issued tls = idpPki.server();
    SSLContext trustIdp = idpPki.clientContext(null);
    idp = OidcProvider.start(tls.certificatePem(), tls.keyPem(), trustIdp);
    otherIdp = OidcProvider.start(tls.certificatePem(), tls.keyPem(), trustIdp);
    ca = RealCa.start(dir.resolve("ca"));
    audit = dir.resolve("audit.log");
    AuthConfig auth = AuthConfig.defaults()
        .withPolicy(AuthFixture.writePolicy(dir))
        .withMethods(CertificateConfig.defaults(), jwt(issuer(idp.issuer(), false))
                // The local CA declared beside the IdP: only its tokens may name local identities.
                .toBuilder().issuer(ca.tokenIssuer()).keyFile(ca.jwksFile())
                .localCaTrustDomain("gatehouse.local").build(),
            new ApiKeyConfig(false, null))
        .withLockout(AuthFixture.lenientLockout())
        .withAudit(AuthConfig.Audit.toFile(audit));
    TransportConfig config = AuthFixture.config(ca, auth);
    server = TestServer.startSecure(config);
    noCertificate = ca.clientContext(null);
  }

  static JwtConfig.Issuer issuer(String url, boolean requireCnf) {
    return new JwtConfig.Issuer(url, null, "realm_access.roles", Map.of("mcp-reader", "viewer"),
        requireCnf, List.of("ES256"), idpPki.rootPem());
  }

  /** No token cache and a 1 s refetch interval, so each case reaches the keys again. */
  static JwtConfig jwt(JwtConfig.Issuer... issuers) {
    return JwtConfig.builder().enabled(true).clockSkew(Duration.ZERO)
        .tokenCacheTtl(Duration.ZERO).jwksMinRefetchInterval(Duration.ofSeconds(1))
        .issuers(List.of(issuers)).build();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
      server.auth.close();
    }
    if (ca != null) {
      ca.close();
    }
    if (idp != null) {
      idp.close();
    }
    if (otherIdp != null) {
      otherIdp.close();
    }
  }

  private static void refused(String token, String auditReason) throws Exception {
    RawHttp.Response response = get(noCertificate, server.port(), "/mcp",
        Map.of("Accept", "text/event-stream", "Authorization", "Bearer " + token));
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).contains("error=\"invalid_token\"");
    assertThat(auditContaining(audit, auditReason)).contains(auditReason);
  }

  @Test
  @Order(1)
  void clientCredentialsTokenWithResourceIsAcceptedWithMappedNestedRoles() throws Exception {
    String token = idp.token("mcp-agent", RESOURCE);
    try (McpSyncClient client = client(server.port(), noCertificate,
        Map.of("Authorization", "Bearer " + token))) {
      client.initialize();
      String[] who = call(client, "whoami").split("\\|");
      assertThat(who[0]).isEqualTo(idp.issuer() + "#mcp-agent");
      // mcp-reader → viewer; offline_access has no mapping and is dropped.
      assertThat(who[3]).isEqualTo("viewer");
      assertThat(toolNames(client)).containsExactly("echo", "whoami");
    }
    RawHttp.Response metadata =
        get(noCertificate, server.port(), "/.well-known/oauth-protected-resource", Map.of());
    assertThat(metadata.body()).contains("\"authorization_servers\":[\"" + idp.issuer() + "\"]");
  }

  @Test
  @Order(2)
  void anIdpSubjectThatLooksLikeALocalSpiffeIdStaysQualifiedByIssuer() throws Exception {
    // The attacker's IdP (a configured, trusted issuer) names alice as the subject.
    String token = idp.token("spiffe://gatehouse.local/client/alice", RESOURCE);
    try (McpSyncClient client = client(server.port(), noCertificate,
        Map.of("Authorization", "Bearer " + token))) {
      client.initialize();
      assertThat(call(client, "whoami").split("\\|")[0])
          .isEqualTo(idp.issuer() + "#spiffe://gatehouse.local/client/alice");
    }
    // The local CA, declared on the same server, does name alice herself (the declaration is on).
    String local = ca.token("alice", RESOURCE, "viewer");
    try (McpSyncClient client = client(server.port(), noCertificate,
        Map.of("Authorization", "Bearer " + local))) {
      client.initialize();
      assertThat(call(client, "whoami").split("\\|")[0])
          .isEqualTo("spiffe://gatehouse.local/client/alice");
    }
  }

  @Test
  @Order(3)
  void aTokenForAnotherResourceIsRefused() throws Exception {
    refused(idp.token("mcp-agent", "https://other.example/mcp"), "aud claim rejected");
  }

  @Test
  @Order(4)
  void aTokenFromAnotherIssuerIsRefused() throws Exception {
    refused(otherIdp.token("mcp-agent", RESOURCE), "issuer not configured");
  }

  @Test
  @Order(5)
  void anExpiredTokenIsRefused() throws Exception {
    String token = idp.token("short-lived", RESOURCE); // expires_in 1 s
    Thread.sleep(2_100);
    refused(token, "Expired JWT");
  }

  @Test
  @Order(6)
  void requiredCertificateBindingRefusesAnUnboundToken() throws Exception {
    try (ExternalIssuers bound = ExternalIssuers.fromConfig(jwt(issuer(idp.issuer(), true)),
        RESOURCE)) {
      AuthResult result = bound.authenticate(AuthRequest.builder()
          .header("Authorization", "Bearer " + idp.token("mcp-agent", RESOURCE)).build());
      assertThat(result).isInstanceOf(AuthResult.Rejected.class);
      assertThat(((AuthResult.Rejected) result).reason()).contains("requires");
    }
  }

  @Test
  @Order(7)
  void discoveryChecksTheIssuerExactlyAndTrustsOnlyTheBundle() {
    // oidc-provider's metadata names https://127.0.0.1:<port>, without the trailing slash.
    assertThatThrownBy(() -> ExternalIssuers.fromConfig(jwt(issuer(idp.issuer() + "/", false)),
        RESOURCE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("§3.3");
    JwtConfig.Issuer jdkTrust = new JwtConfig.Issuer(idp.issuer(), null, null, null, null,
        null, null);
    assertThatThrownBy(() -> ExternalIssuers.fromConfig(jwt(jdkTrust), RESOURCE))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("discovery of");
    assertThatThrownBy(() -> JwtConfig.Issuer.of("http://127.0.0.1:1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
  }

  @Test
  @Order(8)
  void keyRotationAtTheProviderIsPickedUpAndTheRotatedOutKeyRefused() throws Exception {
    String before = idp.token("mcp-agent", RESOURCE);
    try (McpSyncClient client = client(server.port(), noCertificate,
        Map.of("Authorization", "Bearer " + before))) {
      client.initialize();
      assertThat(call(client, "echo")).isEqualTo("hi");
    }
    String kid = idp.rotateKey();
    Thread.sleep(1_100); // past the refetch interval
    String after = idp.token("mcp-agent", RESOURCE);
    try (McpSyncClient client = client(server.port(), noCertificate,
        Map.of("Authorization", "Bearer " + after))) {
      client.initialize(); // a new kid: fetched on demand, no restart
      assertThat(call(client, "whoami").split("\\|")[3]).isEqualTo("viewer");
    }
    assertThat(kid).isNotBlank();
    Thread.sleep(1_100);
    refused(before, "no key for kid");
  }
}
