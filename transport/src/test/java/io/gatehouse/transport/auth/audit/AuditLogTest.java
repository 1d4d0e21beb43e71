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
    assertThat(lines).hasSize(7);

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

    JsonNode refused = lines.get(2);
    assertThat(refused.get("decision").asString()).isEqualTo("deny");
    assertThat(refused.get("method").asString()).isEqualTo("jwt");
    assertThat(refused.get("reason").asString()).isEqualTo("token expired");
    assertThat(refused.has("principal")).isFalse();

    assertThat(lines.get(3).get("principal").asString()).endsWith("/alice");
    assertThat(lines.get(4).get("event").asString()).isEqualTo("tool_call");
    assertThat(lines.get(4).get("tool").asString()).isEqualTo("hr.list_employees");
    assertThat(lines.get(5).get("decision").asString()).isEqualTo("deny");
    assertThat(lines.get(6).get("resource").asString()).isEqualTo("metrics");
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
