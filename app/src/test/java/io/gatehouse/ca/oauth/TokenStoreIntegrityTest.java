package io.gatehouse.ca.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.cli.ca.Certs;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.ca.est.EstService;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /token} decides only from a store that verifies (docs/ca.md): a revoked certificate
 * un-revoked by SQL gets no token, neither does anyone else while the store fails, {@code /readyz}
 * says not ready, and tokens are minted again once the row is put back.
 */
class TokenStoreIntegrityTest {
  private static final Cli CLI = Cli.withPassphrase();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String RESOURCE = "https://mcp.example:8443/mcp";

  @TempDir Path dir;

  @Test
  void aCertificateUnRevokedBySqlGetsNoTokenAndServeIsNotReady() throws Exception {
    assertThat(CLI.ca(dir, "init").exit()).isZero();
    assertThat(CLI.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    assertThat(CLI.ca(dir, "issue", "client", "--name", "gone", "--role", "viewer").exit()).isZero();
    String gone = Certs.read(dir.resolve("clients/gone.crt")).get(0).getSerialNumber().toString(16);
    assertThat(CLI.ca(dir, "revoke", "--serial", gone, "--reason", "keyCompromise").exit()).isZero();
    try (CertificateAuthority ca = CertificateAuthority.open(dir)) {
      char[] passphrase = Cli.PASSPHRASE.toCharArray();
      try (CaService service = CaService.start(ca, ca.unlock(passphrase),
          JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase),
          new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
              new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"), EstService.Limits.defaults(),
                  List.of(RESOURCE))),
          Clock.systemUTC())) {
        String https = "https://localhost:" + service.httpsPort();
        assertThat(token(https, "gone").statusCode()).isEqualTo(401);
        long revokedAt;
        String db = "jdbc:sqlite:" + dir.resolve("ca/ca.db");
        try (Connection sql = DriverManager.getConnection(db)) {
          var rs = sql.createStatement().executeQuery("SELECT revoked_at FROM certificates WHERE serial = '" + gone + "'");
          rs.next();
          revokedAt = rs.getLong(1);
          sql.createStatement().executeUpdate("UPDATE certificates SET revoked_at = NULL, revocation_reason = NULL"
              + " WHERE serial = '" + gone + "'");
        }
        // Asked at once, before the watcher's next poll: the endpoint verifies the store itself.
        HttpResponse<String> unRevoked = token(https, "gone");
        assertThat(unRevoked.statusCode()).as(unRevoked.body()).isEqualTo(503);
        JsonNode error = JSON.readTree(unRevoked.body());
        assertThat(error.get("error").asString()).isEqualTo("temporarily_unavailable");
        assertThat(error.get("error_description").asString()).contains("CA store is not available");
        assertThat(unRevoked.body()).doesNotContain("access_token");
        assertThat(token(https, "alice").statusCode()).isEqualTo(503);
        HttpResponse<String> ready = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create(service.baseUrl() + "/readyz")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("not ready");
        try (Connection sql = DriverManager.getConnection(db)) {
          sql.createStatement().executeUpdate("UPDATE certificates SET revoked_at = " + revokedAt
              + ", revocation_reason = 1 WHERE serial = '" + gone + "'");
        }
        HttpResponse<String> alice = token(https, "alice");
        assertThat(alice.statusCode()).as(alice.body()).isEqualTo(200);
        assertThat(token(https, "gone").statusCode()).isEqualTo(401);
      }
    }
  }

  private HttpResponse<String> token(String https, String name) throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(Certs.clientTls(dir, name)).build();
    String form = "grant_type=client_credentials&resource=" + URLEncoder.encode(RESOURCE, StandardCharsets.UTF_8);
    return client.send(HttpRequest.newBuilder(URI.create(https + TokenEndpoint.TOKEN_PATH))
            .header("Content-Type", TokenEndpoint.FORM)
            .POST(HttpRequest.BodyPublishers.ofString(form)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
