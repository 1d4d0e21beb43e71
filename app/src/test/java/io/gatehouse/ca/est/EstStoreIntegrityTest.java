package io.gatehouse.ca.est;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.KeyType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The EST tables are store tables (docs/ca.md): a provisioner widened by hand in SQL is never
 * acted on. A running {@code ca serve} answers EST 503 (unaudited) and {@code /readyz} 503 until
 * the row is put back, then enrolls again.
 */
class EstStoreIntegrityTest {
  @TempDir Path dir;

  @Test
  void aProvisionerWidenedBySqlStopsEnrollmentUntilItIsPutBack() throws Exception {
    try (EstFixture fixture = new EstFixture(dir, EstService.Limits.defaults())) {
      fixture.ok("provisioner", "add", "--name", "agents", "--role", "viewer", "--name-pattern", "agent-*");
      String first = fixture.token("--provisioner", "agents", "--name", "agent-1");
      String second = fixture.token("--provisioner", "agents", "--name", "agent-2");
      String db = "jdbc:sqlite:" + dir.resolve("ca/ca.db");
      try (Connection sql = DriverManager.getConnection(db)) {
        sql.createStatement().executeUpdate("UPDATE est_provisioners SET roles = 'viewer,admin' WHERE name = 'agents'");
      }
      int refusalsBefore = refusals(db);
      HttpResponse<String> refused = enroll(fixture, first, "agent-1");
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
      assertThat(refused.body()).contains("CA store is not available");
      assertThat(refusals(db)).isEqualTo(refusalsBefore);
      HttpResponse<String> ready = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(fixture.service.baseUrl() + "/readyz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("provisioner:agents");
      try (Connection sql = DriverManager.getConnection(db)) {
        sql.createStatement().executeUpdate("UPDATE est_provisioners SET roles = 'viewer' WHERE name = 'agents'");
      }
      HttpResponse<String> enrolled = enroll(fixture, second, "agent-2");
      assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(200);
    }
  }

  private static HttpResponse<String> enroll(EstFixture fixture, String token, String name) throws Exception {
    byte[] csr = Base64.getMimeEncoder().encode(EstFixture.csr(name, KeyType.EC_P256.generate()).getEncoded());
    HttpClient client = HttpClient.newBuilder().sslContext(fixture.tls(null)).build();
    return client.send(HttpRequest.newBuilder(URI.create(fixture.est() + "simpleenroll"))
            .header("Content-Type", "application/pkcs10").header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofByteArray(csr)).build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private static int refusals(String db) throws Exception {
    try (Connection sql = DriverManager.getConnection(db);
        ResultSet rs = sql.createStatement().executeQuery("SELECT count(*) FROM audit WHERE action = 'est-refuse'")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }
}
