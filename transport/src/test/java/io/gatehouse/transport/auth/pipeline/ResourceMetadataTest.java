package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.testing.TestServer;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 9728 metadata lists only the configured authorization servers, and a 401 names the
 * resource's scopes ({@code auth.scopesSupported}) in its challenge (MCP 2025-11-25: SHOULD).
 */
class ResourceMetadataTest {
  private static final String METADATA = "https://mcp.example.com/.well-known/oauth-protected-resource";

  @TempDir Path dir;
  private TestPki pki;
  private String wrongKey;

  private TransportConfig config(List<String> authorizationServers, List<String> scopes)
      throws Exception {
    pki = pki != null ? pki : TestPki.create(dir, "prm");
    TestPki.Issued server = pki.server();
    ApiKeyStore keys = ApiKeyStore.open(dir.resolve("apikeys.json"));
    if (wrongKey == null) { // a well-formed key of a known id, with a wrong secret
      String key = keys.create("prm", List.of("viewer")).key();
      wrongKey = key.substring(0, key.length() - 1) + (key.endsWith("A") ? "B" : "A");
    }
    AuthConfig auth = new AuthConfig(URI.create("https://mcp.example.com/mcp"),
        authorizationServers, scopes, CertificateConfig.defaults(), null,
        new ApiKeyConfig(true, keys.file()), null, null, null,
        AuthFixture.lenientLockout(), AuthConfig.Audit.toFile(dir.resolve("audit.log")), null)
        .withPolicy(AuthFixture.writePolicy(dir));
    return TransportConfig.defaults().withAddress("127.0.0.1", 0)
        .withTls(TransportConfig.Tls.of(server.certificatePem(), server.keyPem())
            .withClientAuth(TransportConfig.ClientAuthMode.NONE, pki.rootPem()))
        .withAuth(auth);
  }

  @Test
  void configuredAuthorizationServersAreListedAndA401NamesTheScopes() throws Exception {
    TransportConfig config = config(List.of("https://as.example.com"), List.of("mcp:tools", "mcp:read"));
    try (TestServer server = TestServer.startSecure(config)) {
      SSLContext tls = pki.clientContext(null);
      JsonNode doc = JsonMapper.builder().build().readTree(AuthFixture.get(tls, server.port(),
          "/.well-known/oauth-protected-resource", Map.of()).body());
      assertThat(doc.get("authorization_servers").size()).isEqualTo(1);
      assertThat(doc.get("authorization_servers").get(0).asString())
          .isEqualTo("https://as.example.com");
      RawHttp.Response anonymous = AuthFixture.exchange(tls, server.port(), "POST", "/mcp",
          AuthFixture.mcpHeaders(Map.of()), AuthFixture.toolCall("echo"));
      assertThat(anonymous.status()).isEqualTo(401);
      assertThat(anonymous.header("WWW-Authenticate")).isEqualTo(
          "Bearer resource_metadata=\"" + METADATA + "\", scope=\"mcp:tools mcp:read\"");
      RawHttp.Response badKey = AuthFixture.exchange(tls, server.port(), "POST", "/mcp",
          AuthFixture.mcpHeaders(Map.of("X-API-Key", wrongKey)),
          AuthFixture.toolCall("echo"));
      assertThat(badKey.status()).isEqualTo(401);
      assertThat(badKey.header("WWW-Authenticate")).isEqualTo(
          "Bearer resource_metadata=\"" + METADATA + "\", scope=\"mcp:tools mcp:read\"");
    }
  }

  @Test
  void aScopeThatCannotBeQuotedIsAStartupError() throws Exception {
    for (String bad : List.of("two words", "quo\"te", "back\\slash", "")) {
      TransportConfig config = config(null, List.of(bad));
      assertThatThrownBy(() -> GatehouseAuth.fromConfig(config)).as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("auth.scopesSupported: not an RFC 6749 scope token");
    }
  }
}
