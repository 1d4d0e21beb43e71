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
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * A token from the CA service's token endpoint ({@code ca serve}'s HTTPS listener, RFC 8705
 * {@code tls_client_auth}) used against a real Gatehouse MCP server that accepts JWTs only, with
 * TLS client certificates requested but not authenticated by themselves: the JWT authenticator
 * checks {@code cnf.x5t#S256} against the connection's certificate, so the token works only on a
 * connection presenting the certificate it was issued for.
 */
class CaTokenEndpointTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path dir;
  static RealCa ca;
  static CaService authorizationServer;
  static TestServer server;
  static RealCa.Identity alice;
  static RealCa.Identity bob;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    char[] passphrase = RealCa.PASSPHRASE.toCharArray();
    authorizationServer = CaService.start(ca.authority(), ca.issuerKey(),
        JwtSigningKey.loadOrCreate(ca.authority().layout(), ca.authority().config(), passphrase),
        new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
            new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"), EstService.Limits.defaults(),
                List.of(RESOURCE))),
        Clock.systemUTC());
    alice = ca.client("alice", "viewer");
    bob = ca.client("bob", "viewer");
    AuthConfig jwtOnly = AuthConfig.defaults()
        .withPolicy(AuthFixture.writePolicy(dir))
        .withMethods(CertificateConfig.disabled(),
            JwtConfig.withKeyFile(authorizationServer.tokenIssuer(), ca.jwksFile()),
            new ApiKeyConfig(false, null))
        .withLockout(AuthFixture.lenientLockout());
    TransportConfig config = TransportConfig.defaults().withAddress("127.0.0.1", 0)
        .withTls(TransportConfig.Tls.of(ca.serverCertificate(), ca.serverKey())
            .withClientAuth(TransportConfig.ClientAuthMode.OPTIONAL, ca.chainPem()))
        .withAuth(jwtOnly.withResource(URI.create(RESOURCE)));
    server = TestServer.startSecure(config); // owns and closes its auth pipeline
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (authorizationServer != null) {
      authorizationServer.close();
    }
    ca.close();
  }

  /** POST /token over mutual TLS with {@code identity}'s certificate; the access token. */
  static String token(RealCa.Identity identity) throws Exception {
    HttpClient http = HttpClient.newBuilder().sslContext(ca.clientContext(identity))
        .connectTimeout(Duration.ofSeconds(10)).build();
    String form = "grant_type=client_credentials&resource=" + URLEncoder.encode(RESOURCE, StandardCharsets.UTF_8);
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create(authorizationServer.tokenIssuer() + "/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).get("access_token").asString();
  }

  @Test
  void theTokenWorksOnAConnectionWithItsCertificate() throws Exception {
    String token = token(alice);
    try (McpSyncClient mcp = client(server.port(), ca.clientContext(alice), Map.of("Authorization", "Bearer " + token))) {
      mcp.initialize();
      assertThat(call(mcp, "whoami")).contains("spiffe://gatehouse.local/client/alice");
    }
  }

  @Test
  void theTokenFailsWithAnotherCertificateOrNone() throws Exception {
    String token = token(alice);
    for (SSLContext other : new SSLContext[] {ca.clientContext(bob), ca.clientContext(null)}) {
      RawHttp.Response refused = AuthFixture.exchange(other, server.port(), "POST", "/mcp",
          AuthFixture.mcpHeaders(Map.of("Authorization", "Bearer " + token)), AuthFixture.toolCall("whoami"));
      assertThat(refused.status()).isEqualTo(401);
      assertThat(refused.header("WWW-Authenticate")).startsWith("Bearer error=\"invalid_token\"");
      assertThat(JSON.readTree(refused.body()).get("error").asString()).isEqualTo("invalid_token");
    }
    // The same request on a connection with alice's certificate gets past authentication.
    assertThat(AuthFixture.exchange(ca.clientContext(alice), server.port(), "POST", "/mcp",
        AuthFixture.mcpHeaders(Map.of("Authorization", "Bearer " + token)), AuthFixture.toolCall("whoami"))
        .status()).isNotEqualTo(401);
  }
}
