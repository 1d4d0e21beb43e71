package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import io.gatehouse.transport.auth.jwt.JwtConfig;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.RESOURCE;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.call;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.client;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.est.EstService;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import io.modelcontextprotocol.client.McpSyncClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One principal per identity (docs/authentication.md): alice by her certificate, by a token from
 * the CA service's {@code POST /token} and by an API key created with {@code apikey create
 * --spiffe-id} is {@code spiffe://gatehouse.local/client/alice} each time, with the method telling
 * them apart; and the discovery chain a spec-following client walks from the MCP server ends at
 * the CA service's real RFC 8414 metadata, fetched over HTTPS.
 *
 * <p>Two real servers, both declaring the CA service the local CA ({@code
 * auth.jwt.localCaTrustDomain}): {@code direct} takes certificates, JWTs and API keys; {@code
 * behindProxy} takes JWTs only and requests certificates without trusting them as identities
 * (where a certificate-bound token is decided by the token: on {@code direct} the certificate
 * that must accompany it decides first).
 */
class OnePrincipalTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String ALICE = "spiffe://gatehouse.local/client/alice";

  @TempDir static Path dir;
  static RealCa ca;
  static CaService caService;
  static TestServer direct;
  static TestServer behindProxy;
  static RealCa.Identity alice;
  static Path directAudit;
  static Path proxyAudit;
  static String aliceKey;
  static String foreignKey;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    caService = CaService.start(ca.authority(), ca.issuerKey(),
        JwtSigningKey.loadOrCreate(ca.authority().layout(), ca.authority().config(),
            RealCa.PASSPHRASE.toCharArray()),
        new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
            new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"),
                EstService.Limits.defaults(), List.of(RESOURCE))),
        Clock.systemUTC());
    alice = ca.client("alice", "viewer");

    Path keys = dir.resolve("apikeys.json");
    // The CLI (app module, ApiKeyCommandTest) calls this same store method after its own checks.
    aliceKey = ApiKeyStore.open(keys).create("alice-ci", List.of("viewer"), ALICE).key();
    // Written past the CLI's check, as a hand-edited file could be: the server refuses it.
    foreignKey = ApiKeyStore.open(keys).create("mallory", List.of("viewer"),
        "spiffe://evil.example/client/alice").key();

    // The CA service's issuer is its HTTPS URL; its keys from the CA's public JWK set file.
    JwtConfig localCa = JwtConfig.builder().enabled(true).issuer(caService.tokenIssuer())
        .keyFile(ca.jwksFile()).localCaTrustDomain("gatehouse.local")
        .localCaAuthorizationServer(true).build();
    directAudit = dir.resolve("direct-audit.log");
    AuthConfig all = AuthConfig.defaults()
        .withPolicy(AuthFixture.writePolicy(dir))
        .withMethods(new CertificateConfig(true, "gatehouse.local", null), localCa,
            new ApiKeyConfig(true, keys))
        .withLockout(AuthFixture.lenientLockout())
        .withAudit(AuthConfig.Audit.toFile(directAudit));
    direct = TestServer.startSecure(AuthFixture.config(ca, all));

    proxyAudit = dir.resolve("proxy-audit.log");
    AuthConfig jwtOnly = all.withMethods(CertificateConfig.disabled(), localCa,
        new ApiKeyConfig(false, null)).withAudit(AuthConfig.Audit.toFile(proxyAudit));
    behindProxy = TestServer.startSecure(TransportConfig.defaults().withAddress("127.0.0.1", 0)
        .withTls(TransportConfig.Tls.of(ca.serverCertificate(), ca.serverKey())
            .withClientAuth(TransportConfig.ClientAuthMode.OPTIONAL, ca.chainPem()))
        .withAuth(jwtOnly.withResource(URI.create(RESOURCE))));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {direct, behindProxy, caService, ca}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  /** The principal whoami reports for one call with {@code tls} and {@code headers}. */
  static String whoami(TestServer server, SSLContext tls, Map<String, String> headers) {
    try (McpSyncClient mcp = client(server.port(), tls, headers)) {
      mcp.initialize();
      return call(mcp, "whoami").split("\\|")[0];
    }
  }

  /** The methods the audit log recorded allowing {@code principal} to authenticate. */
  static Set<String> methodsAllowed(Path audit, String principal, int expected) throws Exception {
    Set<String> methods = new TreeSet<>();
    AuthFixture.eventually(Duration.ofSeconds(5), () -> {
      methods.clear();
      for (String line : AuthFixture.read(audit).split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode event = JSON.readTree(line);
        if ("authentication".equals(event.path("event").asString(""))
            && "allow".equals(event.path("decision").asString(""))
            && principal.equals(event.path("principal").asString(""))) {
          methods.add(event.path("method").asString(""));
        }
      }
      return methods.size() >= expected;
    });
    return methods;
  }

  /** POST /token at the endpoint the metadata names, over mutual TLS with alice's certificate. */
  static String caToken(String tokenEndpoint) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(ca.clientContext(alice))
        .connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(tokenEndpoint))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&resource="
                + URLEncoder.encode(RESOURCE, StandardCharsets.UTF_8)))
            .timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).get("access_token").asString();
  }

  @Test
  void aliceByCertificateCaTokenAndApiKeyIsOnePrincipal() throws Exception {
    SSLContext noCertificate = ca.clientContext(null);
    assertThat(whoami(direct, ca.clientContext(alice), Map.of())).isEqualTo(ALICE);
    assertThat(whoami(direct, noCertificate, Map.of("X-API-Key", aliceKey))).isEqualTo(ALICE);
    String token = caToken(caService.tokenIssuer() + "/token");
    assertThat(whoami(behindProxy, ca.clientContext(alice), Map.of("Authorization", "Bearer " + token)))
        .isEqualTo(ALICE);
    // whoami's principal is the same; the audit tells the methods apart.
    assertThat(methodsAllowed(directAudit, ALICE, 2)).containsExactly("api_key", "certificate");
    assertThat(methodsAllowed(proxyAudit, ALICE, 1)).containsExactly("jwt");
  }

  @Test
  void anApiKeyNamingAnotherTrustDomainIsRefused() throws Exception {
    RawHttp.Response refused = AuthFixture.exchange(ca.clientContext(null), direct.port(), "POST",
        "/mcp", AuthFixture.mcpHeaders(Map.of("X-API-Key", foreignKey)), AuthFixture.toolCall("whoami"));
    assertThat(refused.status()).isEqualTo(401);
    assertThat(AuthFixture.auditContaining(directAudit, "outside trust domain"))
        .contains("names a SPIFFE ID outside trust domain gatehouse.local")
        .doesNotContain(foreignKey);
  }

  @Test
  void theDiscoveryChainEndsAtTheCaServicesMetadata() throws Exception {
    // 1. No credential: 401 naming the protected-resource metadata.
    RawHttp.Response challenge = AuthFixture.exchange(ca.clientContext(null), direct.port(), "POST",
        "/mcp", AuthFixture.mcpHeaders(Map.of()), AuthFixture.toolCall("whoami"));
    assertThat(challenge.status()).isEqualTo(401);
    assertThat(challenge.header("WWW-Authenticate")).contains("resource_metadata=\"" + AuthFixture.METADATA_URL);
    // 2. RFC 9728 metadata: the CA service is the one authorization server.
    JsonNode prm = JSON.readTree(AuthFixture.get(ca.clientContext(null), direct.port(),
        "/.well-known/oauth-protected-resource/mcp", Map.of()).body());
    assertThat(prm.get("resource").asString()).isEqualTo(RESOURCE);
    assertThat(prm.get("authorization_servers").valueStream().map(JsonNode::asString).toList())
        .containsExactly(caService.tokenIssuer());
    // 3. RFC 8414 metadata at that issuer, over HTTPS (certificate checked against the CA chain).
    String issuer = prm.get("authorization_servers").get(0).asString();
    HttpClient http = HttpClient.newBuilder().sslContext(ca.clientContext(null))
        .connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create(issuer + "/.well-known/oauth-authorization-server")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode as = JSON.readTree(response.body());
    assertThat(as.get("issuer").asString()).isEqualTo(issuer); // RFC 8414 §3.3
    assertThat(as.get("grant_types_supported").toString()).isEqualTo("[\"client_credentials\"]");
    assertThat(as.get("token_endpoint_auth_methods_supported").toString())
        .isEqualTo("[\"tls_client_auth\"]");
    // 4. The token endpoint it names issues a token the MCP server accepts as alice.
    String token = caToken(as.get("token_endpoint").asString());
    assertThat(whoami(behindProxy, ca.clientContext(alice), Map.of("Authorization", "Bearer " + token)))
        .isEqualTo(ALICE);
  }
}
