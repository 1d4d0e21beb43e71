package io.gatehouse.transport.auth.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.audit.AuditLog.Decision;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class AuditLogTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Set<String> FIELDS =
      Set.of("time", "event", "decision", "principal", "method", "roles", "cert_serial", "jti", "api_key_id",
          "credential_id", "tool", "resource", "reason", "warning", "remote", "count");
  private static final InetSocketAddress REMOTE = new InetSocketAddress("127.0.0.1", 50123);

  @TempDir Path dir;

  private static final Principal ALICE =
      new Principal("spiffe://gatehouse.local/client/alice", Set.of("viewer", "manager"), AuthMethod.CERTIFICATE, "9f3a01");
  private static final Principal BOB =
      new Principal("https://issuer.example|bob", Set.of("viewer"), AuthMethod.JWT, "jti-123");

  private List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      JsonNode node = JSON.readTree(line);
      node.propertyNames().forEach(name -> assertThat(FIELDS).contains(name));
      out.add(node);
    }
    return out;
  }

  @Test
  void eachDecisionIsOneJsonLineWithItsFields() throws Exception {
    Path file = dir.resolve("logs/audit.log");
    try (AuditLog log = AuditLog.builder().file(file).build()) {
      log.authenticated(ALICE, REMOTE);
      log.authenticatedWithWarning(BOB, REMOTE, "OCSP responder unreachable");
      log.authenticationRefused(AuthMethod.JWT, REMOTE, "token expired");
      log.authenticationRefused(ALICE, REMOTE, "certificate revoked (keyCompromise)");
      log.toolCall(ALICE, "hr.list_employees", Decision.ALLOW, "", REMOTE);
      log.toolCall(BOB, "hr.delete_employee", Decision.DENY, "not permitted", REMOTE);
      log.resourceAccess(BOB, "metrics", Decision.DENY, "not permitted", REMOTE);
    }
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    List<JsonNode> lines = lines(file);
    assertThat(lines).hasSize(5);

    JsonNode first = lines.get(0);
    assertThat(first.get("event").asString()).isEqualTo("authentication");
    assertThat(first.get("decision").asString()).isEqualTo("allow");
    assertThat(first.get("principal").asString()).isEqualTo("spiffe://gatehouse.local/client/alice");
    assertThat(first.get("method").asString()).isEqualTo("certificate");
    assertThat(first.get("roles").toString()).isEqualTo("[\"manager\",\"viewer\"]");
    assertThat(first.get("cert_serial").asString()).isEqualTo("9f3a01");
    assertThat(first.get("remote").asString()).isEqualTo("127.0.0.1");
    assertThat(java.time.Instant.parse(first.get("time").asString())).isNotNull();

    assertThat(lines.get(1).get("warning").asString()).isEqualTo("OCSP responder unreachable");
    assertThat(lines.get(1).get("jti").asString()).isEqualTo("jti-123");

    assertThat(lines.get(2).get("event").asString()).isEqualTo("tool_call");
    assertThat(lines.get(2).get("tool").asString()).isEqualTo("hr.list_employees");
    assertThat(lines.get(3).get("decision").asString()).isEqualTo("deny");
    assertThat(lines.get(4).get("resource").asString()).isEqualTo("metrics");

    // Refusals: aggregated, with a count, in their own file.
    Path refusalsFile = dir.resolve("logs/audit.refusals.log");
    assertThat(AuditLog.refusalsFile(file)).isEqualTo(refusalsFile);
    List<JsonNode> refusals = lines(refusalsFile);
    assertThat(refusals).hasSize(2);
    JsonNode refused = refusals.stream().filter(n -> n.get("method").asString().equals("jwt"))
        .findFirst().orElseThrow();
    assertThat(refused.get("decision").asString()).isEqualTo("deny");
    assertThat(refused.get("reason").asString()).isEqualTo("token expired");
    assertThat(refused.get("count").asLong()).isEqualTo(1);
    assertThat(refused.has("principal")).isFalse();
    JsonNode revoked = refusals.stream().filter(n -> n.has("principal")).findFirst().orElseThrow();
    assertThat(revoked.get("principal").asString()).endsWith("/alice");
    assertThat(revoked.get("cert_serial").asString()).isEqualTo("9f3a01");
  }

  @Test
  void secretsAndInjectedLinesCannotGetIn() throws Exception {
    Path file = dir.resolve("audit.log");
    String bearer = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJl";
    try (AuditLog log = AuditLog.builder().file(file).build()) {
      // What an authenticator hands over after verifying `bearer`: an identity and a jti, not the token.
      log.authenticated(new Principal("iss|bob", Set.of("viewer"), AuthMethod.JWT, "jti-1"), REMOTE);
      log.toolCall(BOB, "x\n{\"event\":\"forged\"}", Decision.DENY, "r\r\nforged", REMOTE);
      log.toolCall(BOB, "t".repeat(10_000), Decision.DENY, "", REMOTE);
    }
    String content = Files.readString(file);
    assertThat(content).doesNotContain(bearer);
    List<JsonNode> lines = lines(file);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1).get("tool").asString()).doesNotContain("\n");
    assertThat(lines.get(2).get("tool").asString().length()).isLessThan(300);
  }

  @Test
  void theFileRollsBySizeKeepingNBackups() throws Exception {
    Path file = dir.resolve("audit.log");
    try (AuditLog log = AuditLog.builder().file(file).maxFileBytes(4096).backups(2).build()) {
      for (int i = 0; i < 200; i++) {
        log.toolCall(ALICE, "tool" + i, Decision.ALLOW, "", REMOTE);
      }
    }
    assertThat(dir.resolve("audit.log.1")).exists();
    assertThat(dir.resolve("audit.log.2")).exists();
    assertThat(dir.resolve("audit.log.3")).doesNotExist();
    for (String name : List.of("audit.log", "audit.log.1", "audit.log.2")) {
      assertThat(Files.size(dir.resolve(name))).isLessThanOrEqualTo(4096);
      assertThat(lines(dir.resolve(name))).isNotEmpty();
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))))
          .isEqualTo("rw-------");
    }
    List<JsonNode> newest = lines(file);
    assertThat(newest.get(newest.size() - 1).get("tool").asString()).isEqualTo("tool199");
    List<JsonNode> older = lines(dir.resolve("audit.log.1"));
    int lastOlder = Integer.parseInt(older.get(older.size() - 1).get("tool").asString().substring(4));
    assertThat(newest.get(0).get("tool").asString()).isEqualTo("tool" + (lastOlder + 1));
  }

  @Test
  void refusalsAreOneLinePerSecondSourceAndReasonWithACount() throws Exception {
    Path file = dir.resolve("audit.log");
    java.time.Instant second = java.time.Instant.parse("2026-12-01T10:00:00Z");
    java.time.Clock fixed = java.time.Clock.fixed(second.plusMillis(300), java.time.ZoneOffset.UTC);
    InetSocketAddress other = new InetSocketAddress("192.0.2.9", 4000);
    try (AuditLog log = AuditLog.builder().file(file).clock(fixed).build()) {
      for (int i = 0; i < 5_000; i++) {
        // A new port per connection does not split the aggregate: the source is the address.
        log.authenticationRefused(AuthMethod.JWT, new InetSocketAddress("127.0.0.1", 1024 + i % 60000),
            "signature invalid");
      }
      for (int i = 0; i < 7; i++) {
        log.authenticationRefused(AuthMethod.JWT, other, "signature invalid");
        log.tlsHandshakeRefused(other, true, "untrusted");
      }
    }
    List<JsonNode> refusals = lines(AuditLog.refusalsFile(file));
    assertThat(refusals).hasSize(3);
    assertThat(refusals).allSatisfy(n -> assertThat(n.get("time").asString()).isEqualTo(second.toString()));
    assertThat(refusals.stream().filter(n -> n.get("remote").asString().equals("127.0.0.1"))
        .map(n -> n.get("count").asLong()).toList()).containsExactly(5_000L);
    assertThat(refusals.stream().filter(n -> n.get("remote").asString().equals("192.0.2.9"))
        .map(n -> n.get("event").asString() + "=" + n.get("count").asLong()).sorted().toList())
        .containsExactly("authentication=7", "tls_handshake=7");
    assertThat(Files.exists(file) ? Files.readAllLines(file) : List.of()).isEmpty();
  }

  @Test
  void aRefusalFloodCannotRollAwayAuthenticatedDecisions() throws Exception {
    Path file = dir.resolve("audit.log");
    int flood = 40_000; // ~6 MB as separate lines: far past the 3 x 4 KiB budget
    try (AuditLog log = AuditLog.builder().file(file).maxFileBytes(4096).backups(2).build()) {
      log.authenticated(ALICE, REMOTE);
      log.toolCall(ALICE, "hr.list_employees", Decision.ALLOW, "", REMOTE);
      log.toolCall(BOB, "hr.delete_employee", Decision.DENY, "not permitted", REMOTE);
      for (int i = 0; i < flood; i++) {
        // Many sources, so even aggregated the refusals overflow their own budget.
        byte[] ip = {(byte) 198, 51, (byte) (i >> 8 & 0x3), (byte) i};
        log.authenticationRefused(AuthMethod.API_KEY,
            new InetSocketAddress(java.net.InetAddress.getByAddress(ip), 443), "malformed API key");
      }
    }
    List<JsonNode> kept = lines(file);
    assertThat(kept).extracting(n -> n.get("event").asString() + ":" + n.get("decision").asString())
        .containsExactly("authentication:allow", "tool_call:allow", "tool_call:deny");
    assertThat(dir.resolve("audit.log.1")).doesNotExist();

    Path refusals = AuditLog.refusalsFile(file);
    assertThat(dir.resolve("audit.refusals.log.2")).exists(); // the refusal budget did roll
    assertThat(dir.resolve("audit.refusals.log.3")).doesNotExist();
    long counted = 0;
    for (Path p : List.of(refusals, dir.resolve("audit.refusals.log.1"), dir.resolve("audit.refusals.log.2"))) {
      assertThat(Files.size(p)).isLessThanOrEqualTo(4096);
      for (JsonNode n : lines(p)) {
        assertThat(n.get("count").asLong()).isPositive();
        assertThat(n.get("reason").asString()).isIn("malformed API key",
            "aggregates full: refusals of many sources");
        counted += n.get("count").asLong();
      }
    }
    assertThat(counted).isPositive().isLessThan(flood); // the rest rolled away, in its own files
  }

  @Test
  void aFullQueueDropsAndCountsAndTheTrailRecordsTheGap() throws Exception {
    Path file = dir.resolve("audit.log");
    int sent = 20_000;
    AuditLog log = AuditLog.builder().file(file).queueCapacity(1).build();
    for (int i = 0; i < sent; i++) {
      log.toolCall(ALICE, "t", Decision.ALLOW, "", REMOTE);
    }
    log.close();
    long dropped = log.dropped();
    List<JsonNode> lines = lines(file);
    long written = lines.stream().filter(n -> n.get("event").asString().equals("tool_call")).count();
    long reported =
        lines.stream().filter(n -> n.get("event").asString().equals("audit_dropped"))
            .mapToLong(n -> n.get("count").asLong()).sum();
    assertThat(written + dropped).isEqualTo(sent);
    assertThat(reported).isEqualTo(dropped);

    log.toolCall(ALICE, "after-close", Decision.ALLOW, "", REMOTE);
    assertThat(log.dropped()).isEqualTo(dropped + 1);
  }
}
