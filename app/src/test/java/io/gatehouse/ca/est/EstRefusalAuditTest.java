package io.gatehouse.ca.est;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A flood of refused EST requests appends a bounded number of signed {@code est-refuse} entries
 * (docs/est.md, "Refusals"): the first refusal is in the chain before its answer, the repeats are
 * one counted entry when the window ends (or {@code ca serve} stops), the chain still verifies; and
 * many distinct refusals fold into one key per window.
 */
class EstRefusalAuditTest {
  private static final int FLOOD = 60;

  @TempDir Path dir;

  @Test
  void aRefusalFloodIsTwoSignedEntriesWithTheCountAndTheChainVerifies() throws Exception {
    String db = "jdbc:sqlite:" + dir.resolve("ca/ca.db");
    // A window longer than the test: the count is written when ca serve stops.
    try (EstFixture fixture = new EstFixture(dir, new EstService.Limits(100_000, 100_000, Duration.ofHours(1)))) {
      HttpClient client = HttpClient.newBuilder().sslContext(fixture.tls(null)).build();
      HttpRequest wrongType = HttpRequest.newBuilder(URI.create(fixture.est() + "simpleenroll"))
          .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("garbage")).build();
      HttpResponse<String> first = client.send(wrongType, HttpResponse.BodyHandlers.ofString());
      assertThat(first.statusCode()).isEqualTo(400);
      // The first refusal is audited before it is answered, as before.
      assertThat(details(db)).singleElement().asString()
          .startsWith("simpleenroll from 127.0.0.1 status=400: the request body must be a base64 CSR");
      List<CompletableFuture<HttpResponse<String>>> flood = new ArrayList<>();
      for (int i = 1; i < FLOOD; i++) {
        flood.add(client.sendAsync(wrongType, HttpResponse.BodyHandlers.ofString()));
      }
      for (CompletableFuture<HttpResponse<String>> answer : flood) {
        assertThat(answer.get().statusCode()).isEqualTo(400);
      }
      // Was one signed entry per refused request (60).
      assertThat(details(db)).hasSize(1);
    }
    List<String> details = details(db);
    assertThat(details).hasSize(2);
    assertThat(details.get(1)).startsWith("repeated " + (FLOOD - 1) + " more time(s) within 3600 s after the first: "
        + "simpleenroll from 127.0.0.1 status=400: the request body must be a base64 CSR");
    try (io.gatehouse.ca.authority.CertificateAuthority ca = io.gatehouse.ca.authority.CertificateAuthority.open(dir)) {
      ca.verify();
    }
  }

  @Test
  void distinctRefusalsBeyondTheBoundFoldIntoOneKeyPerWindow() {
    AtomicLong nanos = new AtomicLong();
    RefusalAudit audit = new RefusalAudit(Duration.ofSeconds(10), nanos::get);
    int written = 0;
    for (int source = 0; source < 1000; source++) {
      for (int repeat = 0; repeat < 3; repeat++) {
        if (audit.refused("simplereenroll", "10.0." + source / 256 + "." + source % 256, "-", 401, "no") != null) {
          written++;
        }
      }
    }
    // 32 keys written at once, then one folded key for the other 968 sources.
    assertThat(written).isEqualTo(RefusalAudit.MAX_KEYS + 1);
    assertThat(audit.due(false)).isEmpty(); // the window has not ended
    nanos.addAndGet(Duration.ofSeconds(10).toNanos());
    List<RefusalAudit.Entry> due = audit.due(false);
    assertThat(due).hasSize(RefusalAudit.MAX_KEYS + 1);
    assertThat(due.get(0).detail()).startsWith("repeated 2 more time(s) within 10 s after the first: "
        + "simplereenroll from 10.0.0.0 status=401: no");
    assertThat(due.get(RefusalAudit.MAX_KEYS).detail()).startsWith("repeated " + (3 * 1000 - 3 * 32 - 1)
        + " more time(s) within 10 s after the first: simplereenroll from * status=0: refusals of more than 32");
    assertThat(audit.due(true)).isEmpty();
    assertThat(audit.refused("simplereenroll", "10.0.0.0", "-", 401, "no")).isNotNull(); // a new window
  }

  private static List<String> details(String db) throws Exception {
    List<String> details = new ArrayList<>();
    try (Connection sql = DriverManager.getConnection(db);
        ResultSet rs = sql.createStatement().executeQuery(
            "SELECT detail FROM audit WHERE action = 'est-refuse' ORDER BY seq")) {
      while (rs.next()) {
        details.add(rs.getString(1));
      }
    }
    return details;
  }
}
