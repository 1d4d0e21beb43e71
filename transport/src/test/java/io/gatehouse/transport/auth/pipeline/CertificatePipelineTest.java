package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.assertRefused;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.call;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.client;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.eventually;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.get;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.mcpHeaders;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.toolCall;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.toolNames;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.testing.TestCerts;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.audit.AuditLog;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelcontextprotocol.client.McpSyncClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The certificate path end to end: certificates from the real CA, the real {@code ca serve} OCSP
 * responder in-process, the real SDK client over mutual TLS (REQUIRE: certificates are the only
 * method), RBAC, rate limits, sessions, metrics and audit.
 *
 * <p>The tests share one server (starting the CA, responder and server per test would cost
 * seconds each) but not their results: a test reads only the audit lines written since it began
 * ({@link #auditOfThisTest}), compares meters with their values at its start, uses its own
 * principal where the OCSP cache or a rate-limit budget matters, and {@link #restorePolicy} puts
 * the policy back (and waits until it is in force) after a test that edits it. So any order passes.
 */
class CertificatePipelineTest {
  @TempDir static Path dir;
  static RealCa ca;
  static TestServer server;
  static GatehouseAuth auth;
  static SimpleMeterRegistry meters = new SimpleMeterRegistry();
  static Path policy;
  static Path audit;
  static RealCa.Identity alice;
  static RealCa.Identity carol;
  static RealCa.Identity root;
  /** An auditor as the policy sees it: may call whoami only while a test grants it. */
  static final Principal AUDITOR =
      new Principal("spiffe://gatehouse.local/client/auditor", java.util.Set.of("auditor"),
          AuthMethod.CERTIFICATE, "");
  /** Where this test's audit lines begin: bytes of the audit and refusals files at its start. */
  static long auditStart;
  static long refusalsStart;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    policy = AuthFixture.writePolicy(dir);
    audit = dir.resolve("logs/audit.log");
    AuthConfig authConfig = AuthConfig.defaults()
        .withPolicy(policy)
        .withRevocation(AuthConfig.Revocation.defaults().withMaxCacheTtl(Duration.ofSeconds(1))
            // Long enough that the hanging-responder test decides when the hang ends.
            .withRequestTimeout(Duration.ofSeconds(60)))
        .withLockout(AuthFixture.lenientLockout())
        .withAudit(AuthConfig.Audit.toFile(audit));
    TransportConfig config = AuthFixture.config(ca, authConfig);
    server = TestServer.startSecure(config, meters, () -> "# gatehouse\n");
    auth = server.auth;
    alice = ca.client("alice", "viewer");
    carol = ca.client("carol", "manager");
    root = ca.client("root", "admin");
  }

  /** Marks where this test's audit lines begin, once the previous test's lines are written. */
  @BeforeEach
  void markAudit() throws InterruptedException {
    long[] last = {-1, -1};
    eventually(Duration.ofSeconds(2), () -> {
      long[] now = {size(audit), size(AuditLog.refusalsFile(audit))};
      boolean settled = java.util.Arrays.equals(now, last);
      System.arraycopy(now, 0, last, 0, 2);
      return settled;
    });
    auditStart = last[0];
    refusalsStart = last[1];
  }

  /** Puts the shared policy back and waits until the server enforces it again. */
  @AfterEach
  void restorePolicy() throws Exception {
    if (!Files.readString(policy).equals(AuthFixture.POLICY)) {
      Files.writeString(policy, AuthFixture.POLICY);
    }
    assertThat(eventually(Duration.ofSeconds(10),
        () -> !auth.policy().current().mayCall(AUDITOR, "whoami")))
        .as("the original policy is in force again").isTrue();
  }

  @AfterAll
  static void stop() {
    server.close();
    auth.close();
    ca.close();
  }

  @Test
  void certificatesAloneMeanClientAuthRequire() {
    assertThat(auth.clientAuthMode()).isEqualTo(TransportConfig.ClientAuthMode.REQUIRE);
    assertThat(server.server.requestStageNames()).containsSubsequence(
        "public:oauth-protected-resource", "authenticate:authenticate", "revocation:revocation",
        "authorize:authorize", "authorize:metrics");
  }

  @Test
  void viewerSeesAndCallsExactlyItsTools() {
    try (McpSyncClient client = client(server.port(), ca.clientContext(alice))) {
      client.initialize();
      String[] who = call(client, "whoami").split("\\|");
      assertThat(who[0]).isEqualTo("spiffe://gatehouse.local/client/alice");
      assertThat(who[3]).isEqualTo("viewer");
      assertThat(toolNames(client)).containsExactly("echo", "whoami");
      assertThat(call(client, "echo")).isEqualTo("hi");
      int before = server.calls.getOrDefault("add", new java.util.concurrent.atomic.AtomicInteger()).get();
      // The SDK client surfaces the 403 the authorize stage answers before the SDK sees the call.
      assertRefused(() -> call(client, "add"), 403);
      assertRefused(() -> call(client, "forbidden"), 403);
      assertThat(server.calls.getOrDefault("add", new java.util.concurrent.atomic.AtomicInteger()).get())
          .isEqualTo(before);
      assertThat(server.calls).doesNotContainKey("forbidden");
    }
  }

  @Test
  void roleHierarchyGrantsIncludedRoles() {
    try (McpSyncClient client = client(server.port(), ca.clientContext(carol))) {
      client.initialize();
      assertThat(toolNames(client)).containsExactly("add", "echo", "progress", "whoami");
      assertThat(call(client, "add")).isEqualTo("3");
      assertThat(call(client, "whoami")).endsWith("|manager");
    }
    try (McpSyncClient client = client(server.port(), ca.clientContext(root))) {
      client.initialize();
      assertThat(toolNames(client))
          .containsExactly("add", "echo", "forbidden", "progress", "wait", "whoami");
    }
  }

  @Test
  void forbiddenAndUnknownToolsGetTheSame403() throws IOException {
    SSLContext tls = ca.clientContext(alice);
    String session = session(tls);
    RawHttp.Response forbidden = post(tls, session, toolCall("add"));
    RawHttp.Response unknown = post(tls, session, toolCall("no_such_tool"));
    for (RawHttp.Response r : List.of(forbidden, unknown)) {
      assertThat(r.status()).isEqualTo(403);
      assertThat(r.body()).contains("\"error\":\"insufficient_scope\"").doesNotContain("viewer")
          .doesNotContain("policy");
    }
    assertThat(forbidden.header("WWW-Authenticate")).isEqualTo("Bearer error=\"insufficient_scope\", "
        + "scope=\"tool:add\", resource_metadata=\"" + AuthFixture.METADATA_URL + "\"");
    assertThat(unknown.header("WWW-Authenticate")).contains("scope=\"tool:no_such_tool\"");
    assertThat(forbidden.body()).contains("tool 'add'");
    // Unknown and forbidden look alike apart from the name the caller chose itself.
    assertThat(unknown.body().replace("no_such_tool", "add")).isEqualTo(forbidden.body());
    assertThat(post(tls, session, toolCall("bad name\\\"")).status()).isEqualTo(400);
  }

  @Test
  void adminAlsoGets403ForAnUnregisteredTool() throws IOException {
    SSLContext tls = ca.clientContext(root);
    assertThat(post(tls, session(tls), toolCall("ghost")).status()).isEqualTo(403);
  }

  @Test
  void toolsAddedOrRemovedAtRunTimeAreSeenWithinASecond() throws Exception {
    SSLContext tls = ca.clientContext(root);
    String session = session(tls);
    assertThat(post(tls, session, toolCall("late")).status()).isEqualTo(403);
    server.mcp.addTool(io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification.builder()
        .tool(io.modelcontextprotocol.spec.McpSchema.Tool.builder("late", Map.of("type", "object"))
            .build())
        .callHandler((exchange, req) -> io.modelcontextprotocol.spec.McpSchema.CallToolResult
            .builder().addTextContent("here").build())
        .build());
    try {
      assertThat(eventually(Duration.ofSeconds(30), () -> status(tls, session, "late") == 200))
          .isTrue();
    } finally {
      server.mcp.removeTool("late");
    }
    assertThat(eventually(Duration.ofSeconds(30), () -> status(tls, session, "late") == 403))
        .isTrue();
  }

  private static int status(SSLContext tls, String session, String tool) {
    try {
      return post(tls, session, toolCall(tool)).status();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void refusedCertificatesFailTheHandshake() throws Exception {
    Map<String, Double> before = new java.util.HashMap<>();
    for (String cause : List.of("expired", "not_yet_valid", "missing_client_auth", "untrusted",
        "no_certificate")) {
      before.put(cause, handshakeFailures(cause));
    }
    IssuerKey key = ca.issuerKey();
    Instant now = Instant.now();
    KeyPair keys = ecKeys();
    Issuer past = new Issuer(ca.authority(), key, Clock.fixed(now.minus(Duration.ofHours(2)), java.time.ZoneOffset.UTC));
    Issuer future = new Issuer(ca.authority(), key, Clock.fixed(now.plus(Duration.ofHours(2)), java.time.ZoneOffset.UTC));
    List<X509Certificates> refused = List.of(
        new X509Certificates("expired", List.of(past.issueClient("old", null, List.of("viewer"),
            Duration.ofMinutes(5), keys.getPublic()), key.certificate()), "expired"),
        new X509Certificates("not yet valid", List.of(future.issueClient("early", null,
            List.of("viewer"), Duration.ofMinutes(5), keys.getPublic()), key.certificate()),
            "not_yet_valid"),
        new X509Certificates("EKU serverAuth only", List.of(custom(key, keys, "servereku",
            KeyPurposeId.id_kp_serverAuth, viewerRoles()), key.certificate()), "missing_client_auth"),
        new X509Certificates("no EKU", List.of(custom(key, keys, "noeku", null, viewerRoles()),
            key.certificate()), "missing_client_auth"));
    for (X509Certificates c : refused) {
      SSLContext tls = ca.clientContextPresenting(c.chain(), keys.getPrivate());
      assertThat(refusedAtHandshake(tls)).as(c.what()).isTrue();
      assertThat(eventually(Duration.ofSeconds(30),
          () -> handshakeFailures(c.cause()) >= before.get(c.cause()) + 1)).as(c.what()).isTrue();
    }
    // Another CA, and no certificate at all.
    TestPki rogue = TestPki.create(dir, "rogue");
    TestPki.Issued mallory = rogue.client("mallory", "admin");
    assertThat(refusedAtHandshake(
        ca.clientContextPresenting(List.of(mallory.certificate()), mallory.key()))).isTrue();
    assertThat(refusedAtHandshake(ca.clientContext(null))).isTrue();
    String log = auditOfThisTest("\"reason\":\"untrusted\"");
    for (String cause : List.of("expired", "not_yet_valid", "missing_client_auth", "untrusted")) {
      assertThat(log).containsPattern("\"event\":\"tls_handshake\",\"decision\":\"deny\","
          + "\"method\":\"certificate\",\"reason\":\"" + cause + "\",\"remote\":\"127.0.0.1\"");
    }
    for (String cause : List.of("untrusted", "no_certificate")) {
      assertThat(eventually(Duration.ofSeconds(30),
          () -> handshakeFailures(cause) >= before.get(cause) + 1))
          .as("%s in %s", cause, meters.find(AuthMetrics.TLS_HANDSHAKE_FAILURES).counters().stream()
              .map(c -> c.getId().getTag("cause") + "=" + c.count()).toList())
          .isTrue();
    }
  }

  @Test
  void malformedRoleExtensionIs401() throws Exception {
    IssuerKey key = ca.issuerKey();
    KeyPair keys = ecKeys();
    // A SEQUENCE holding an INTEGER instead of UTF8Strings.
    byte[] notRoles = new org.bouncycastle.asn1.DERSequence(
        new org.bouncycastle.asn1.ASN1Integer(7)).getEncoded();
    SSLContext tls = ca.clientContextPresenting(List.of(
        custom(key, keys, "badroles", KeyPurposeId.id_kp_clientAuth, notRoles), key.certificate()),
        keys.getPrivate());
    RawHttp.Response response = get(tls, server.port(), "/anything", Map.of());
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate"))
        .isEqualTo("Bearer resource_metadata=\"" + AuthFixture.METADATA_URL + "\"");
    assertThat(response.body()).contains("\"error\":\"unauthorized\"");
  }

  @Test
  void revokedCertificateIsRefusedAfterCaRevoke() throws Exception {
    RealCa.Identity dave = ca.client("dave", "viewer");
    SSLContext tls = ca.clientContext(dave);
    try (RawHttp open = RawHttp.connect(tls, server.port())) {
      // Admitted (good OCSP answer): past authentication, the endpoint answers 404 for this path.
      assertThat(open.exchange(RawHttp.request("GET", "/nothing", Map.of(), null)).status())
          .isEqualTo(404);
      ca.revoke(dave);
      // The open connection is refused once the cached "good" ends (max cache TTL 1 s here):
      // its next request gets 401, or the server has closed it already (credential re-check).
      List<Integer> statuses = new CopyOnWriteArrayList<>();
      assertThat(eventually(Duration.ofSeconds(10), () -> {
        try {
          int status = open.exchange(RawHttp.request("GET", "/nothing", Map.of(), null)).status();
          statuses.add(status);
          return status == 401;
        } catch (IOException closedByServer) {
          statuses.add(-1);
          return true;
        }
      })).as("statuses %s", statuses).isTrue();
    }
    RawHttp.Response fresh = get(tls, server.port(), "/nothing", Map.of());
    assertThat(fresh.status()).isEqualTo(401);
    // Certificate-only server: the body says why; the 401 still carries its challenge (RFC 9110).
    assertThat(fresh.header("WWW-Authenticate")).startsWith("Bearer resource_metadata=");
    assertThat(fresh.body()).contains("\"error\":\"certificate_revoked\"");
    assertThat(auditOfThisTest("revoked (keyCompromise)"))
        .contains("\"cert_serial\":\"" + dave.serialHex() + "\"");
  }

  @Test
  void aHangingResponderDoesNotStallOtherConnections() throws Exception {
    try (ServerSocket hanging = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      List<Socket> accepted = new CopyOnWriteArrayList<>();
      CountDownLatch asked = new CountDownLatch(1);
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(hanging.accept());
            asked.countDown();
          }
        } catch (IOException closed) {
          // Test over.
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      RealCa.Identity slow = ca.clientWithOcspUrl(
          "http://127.0.0.1:" + hanging.getLocalPort() + "/ocsp", "slowpoke", "viewer");
      CompletableFuture<RawHttp.Response> stalled = CompletableFuture.supplyAsync(() -> {
        try {
          return get(ca.clientContext(slow), server.port(), "/nothing", Map.of());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      assertThat(asked.await(20, TimeUnit.SECONDS)).as("OCSP request reached the responder").isTrue();
      // Meanwhile other connections (and their OCSP checks) go through.
      assertThat(get(ca.clientContext(alice), server.port(), "/nothing", Map.of()).status())
          .isEqualTo(404);
      RealCa.Identity other = ca.client("other", "viewer");
      assertThat(get(ca.clientContext(other), server.port(), "/nothing", Map.of()).status())
          .isEqualTo(404);
      assertThat(stalled).isNotDone();
      for (Socket s : accepted) {
        s.close();
      }
      // The responder failed: fail-closed refuses.
      assertThat(stalled.get(20, TimeUnit.SECONDS).status()).isEqualTo(401);
    }
  }

  @Test
  void aResponderAnsweringGarbageIsUnavailableAndRefused() throws Exception {
    com.sun.net.httpserver.HttpServer garbage = com.sun.net.httpserver.HttpServer.create(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    garbage.createContext("/", exchange -> {
      byte[] body = "<html>not OCSP</html>".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      exchange.getResponseHeaders().set("Content-Type", "application/ocsp-response");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    garbage.start();
    try {
      RealCa.Identity victim = ca.clientWithOcspUrl(
          "http://127.0.0.1:" + garbage.getAddress().getPort() + "/ocsp", "garbled", "viewer");
      assertThat(get(ca.clientContext(victim), server.port(), "/nothing", Map.of()).status())
          .isEqualTo(401);
      assertThat(auditOfThisTest("client/garbled").lines()
          .filter(l -> l.contains("client/garbled\"") && l.contains("\"decision\":\"deny\""))
          .findFirst()).hasValueSatisfying(l -> assertThat(l).contains("\"reason\":\""));
      // Others are unaffected.
      assertThat(get(ca.clientContext(alice), server.port(), "/nothing", Map.of()).status())
          .isEqualTo(404);
    } finally {
      garbage.stop(0);
    }
  }

  @Test
  void clientInitiatedRenegotiationIsRefused() throws Exception {
    javax.net.ssl.SSLSocket ssl = (javax.net.ssl.SSLSocket) ca.clientContext(alice)
        .getSocketFactory().createSocket("127.0.0.1", server.port());
    try (ssl) {
      ssl.setEnabledProtocols(new String[] {"TLSv1.2"});
      ssl.setSoTimeout(10_000);
      ssl.startHandshake();
      java.io.OutputStream out = ssl.getOutputStream();
      String request = RawHttp.request("GET", "/healthz", Map.of(), null);
      out.write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      byte[] head = new byte[12];
      assertThat(ssl.getInputStream().readNBytes(head, 0, 12)).isEqualTo(12);
      assertThat(new String(head, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");
      ssl.getInputStream().skip(ssl.getInputStream().available());
      // A second handshake on the same connection (TLS 1.2 renegotiation) is refused.
      boolean renegotiated;
      try {
        ssl.startHandshake();
        out.write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.flush();
        renegotiated = ssl.getInputStream().readNBytes(head, 0, 12) == 12
            && new String(head, java.nio.charset.StandardCharsets.US_ASCII).equals("HTTP/1.1 200");
      } catch (IOException refused) {
        renegotiated = false;
      }
      assertThat(renegotiated).isFalse();
    }
  }

  @Test
  void anotherPrincipalsSessionIs404() throws Exception {
    String aliceSession;
    try (McpSyncClient client = client(server.port(), ca.clientContext(alice))) {
      client.initialize();
      aliceSession = call(client, "whoami").split("\\|")[2];
      RealCa.Identity bob = ca.client("bob", "viewer");
      RawHttp.Response hijack = post(ca.clientContext(bob), aliceSession,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}");
      assertThat(hijack.status()).isEqualTo(404);
      // Two session headers (a proxy might read the other one) are refused outright.
      String twoSessions = "POST /mcp HTTP/1.1\r\nHost: localhost\r\n"
          + "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
          + "Mcp-Session-Id: " + aliceSession + "\r\nMcp-Session-Id: other\r\n"
          + "Content-Length: 46\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";
      try (RawHttp raw = RawHttp.connect(ca.clientContext(alice), server.port())) {
        assertThat(raw.exchange(twoSessions).status()).isEqualTo(400);
      }
      // Malformed UTF-8 in the body is refused, not replaced and run.
      byte[] prefix = ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":"
          + "{\"name\":\"echo\",\"arguments\":{\"text\":\"").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      byte[] bad = {(byte) 0xC3, (byte) 0x28, (byte) 0xED, (byte) 0xA0, (byte) 0x80};
      byte[] suffix = "\"}}}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
      body.write(prefix);
      body.write(bad);
      body.write(suffix);
      String head = "POST /mcp HTTP/1.1\r\nHost: localhost\r\n"
          + "Accept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
          + "Mcp-Session-Id: " + aliceSession + "\r\nContent-Length: " + body.size() + "\r\n\r\n";
      java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
      request.write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      body.writeTo(request);
      try (RawHttp raw = RawHttp.connect(ca.clientContext(alice), server.port())) {
        assertThat(raw.send(request.toByteArray()).read().status()).isEqualTo(400);
      }
      // The owner still uses it.
      assertThat(post(ca.clientContext(alice), aliceSession,
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}").status()).isEqualTo(200);
    }
  }

  @Test
  void perPrincipalAndPerToolRateLimitsAnswer429() throws Exception {
    SSLContext limited = ca.clientContext(ca.client("lim", "limited"));
    String limitedSession = session(limited); // 1 of the 5 requests per minute
    int status = 0;
    int admitted = 0;
    RawHttp.Response last = null;
    for (int i = 0; i < 5 && status != 429; i++) {
      last = get(limited, server.port(), "/nothing", Map.of());
      status = last.status();
      admitted += status == 404 ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(4);
    assertThat(last.status()).isEqualTo(429);
    assertThat(Long.parseLong(last.header("Retry-After"))).isBetween(1L, 60L);
    // A tool call refused by the principal's budget is audited like any other tool decision.
    assertThat(post(limited, limitedSession, toolCall("echo")).status()).isEqualTo(429);
    // Wait for this very line: the writer batches, and earlier lim lines may already be on disk.
    eventually(Duration.ofSeconds(5), () -> auditOfThisTest().lines()
        .anyMatch(l -> l.contains("client/lim\"") && l.contains("\"tool\":\"echo\"")));
    assertThat(auditOfThisTest().lines()
        .filter(l -> l.contains("client/lim\"") && l.contains("\"tool\":\"echo\"")).findFirst())
        .hasValueSatisfying(l -> assertThat(l).contains("\"decision\":\"deny\"")
            .contains("\"reason\":\"rate limited\""));

    SSLContext manager = ca.clientContext(ca.client("mona", "manager"));
    String session = session(manager);
    assertThat(post(manager, session, toolCall("progress")).status()).isEqualTo(200);
    assertThat(post(manager, session, toolCall("progress")).status()).isEqualTo(200);
    RawHttp.Response third = post(manager, session, toolCall("progress"));
    assertThat(third.status()).isEqualTo(429);
    assertThat(third.header("Retry-After")).isNotBlank();
    assertThat(auditOfThisTest("\"reason\":\"rate limited\"")).contains("\"tool\":\"progress\"");
  }

  @Test
  void policyReloadTakesEffectWithoutRestart() throws Exception {
    RealCa.Identity erin = ca.client("erin", "auditor");
    SSLContext tls = ca.clientContext(erin);
    try (McpSyncClient client = client(server.port(), tls);
        RawHttp listening = RawHttp.connect(tls, server.port())) {
      client.initialize();
      assertThat(toolNames(client)).containsExactly("echo");
      assertRefused(() -> call(client, "whoami"), 403);
      String session = session(tls);
      assertThat(listening.send(RawHttp.request("GET", "/mcp", Map.of("Accept", "text/event-stream",
          "Mcp-Session-Id", session), null)).readHead().status()).isEqualTo(200);
      // restorePolicy (@AfterEach) writes the original back, whatever happens here.
      Files.writeString(policy, AuthFixture.POLICY.replace(
          "auditor:\n    tools: [\"echo\"]", "auditor:\n    tools: [\"echo\", \"whoami\"]"));
      // Sessions are told to re-list on their listening stream.
      assertThat(listening.readEvent()).contains("notifications/tools/list_changed");
      assertThat(eventually(Duration.ofSeconds(10), () -> toolNames(client).contains("whoami")))
          .isTrue();
      assertThat(call(client, "whoami")).startsWith("spiffe://gatehouse.local/client/erin|");
    }
  }

  @Test
  void metricsNeedTheMetricsResource() throws Exception {
    RawHttp.Response viewer = get(ca.clientContext(alice), server.port(), "/metrics", Map.of());
    assertThat(viewer.status()).isEqualTo(403);
    assertThat(viewer.header("WWW-Authenticate")).contains("scope=\"resource:metrics\"");
    RawHttp.Response admin = get(ca.clientContext(root), server.port(), "/metrics", Map.of());
    assertThat(admin.status()).isEqualTo(200);
    assertThat(admin.header("Content-Type")).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    assertThat(admin.body()).isEqualTo("# gatehouse\n");
  }

  @Test
  void metersCountDecisionsToolCallsAndOcsp() throws Exception {
    double addErrors = toolCalls("add", "error");
    double echoOk = toolCalls("echo", "ok");
    double addForbidden = toolCalls("add", "forbidden");
    double allowed = count(AuthMetrics.AUTH_DECISIONS, "method", "certificate", "result", "allow");
    double misses = count(AuthMetrics.OCSP_CACHE, "result", "miss");
    io.micrometer.core.instrument.Timer good =
        meters.find(AuthMetrics.OCSP_RESPONDER).tags("status", "good").timer();
    long goodAnswers = good == null ? 0 : good.count();
    // A viewer of its own: its certificate's OCSP answer cannot be cached by an earlier test.
    RealCa.Identity viewer = ca.client("meter", "viewer");
    try (McpSyncClient client = client(server.port(), ca.clientContext(viewer))) {
      client.initialize();
      call(client, "echo");
      assertRefused(() -> call(client, "add"), 403);
      assertThat(meters.get(AuthMetrics.SESSIONS).gauge().value()).isGreaterThanOrEqualTo(1);
    }
    try (McpSyncClient client = client(server.port(), ca.clientContext(root))) {
      client.initialize();
      // add without arguments fails inside the tool: the SDK answers with an error.
      org.assertj.core.api.Assertions.catchThrowable(() -> client.callTool(
          io.modelcontextprotocol.spec.McpSchema.CallToolRequest.builder("add").build()));
    }
    assertThat(eventually(Duration.ofSeconds(30), () -> toolCalls("add", "error") >= addErrors + 1))
        .isTrue();
    assertThat(eventually(Duration.ofSeconds(30), () -> toolCalls("echo", "ok") >= echoOk + 1))
        .isTrue();
    assertThat(toolCalls("add", "forbidden")).isGreaterThanOrEqualTo(addForbidden + 1);
    assertThat(count(AuthMetrics.AUTH_DECISIONS, "method", "certificate", "result", "allow"))
        .isGreaterThanOrEqualTo(allowed + 1);
    assertThat(count(AuthMetrics.OCSP_CACHE, "result", "miss")).isGreaterThanOrEqualTo(misses + 1);
    assertThat(meters.get(AuthMetrics.OCSP_RESPONDER).tags("status", "good").timer().count())
        .isGreaterThanOrEqualTo(goodAnswers + 1);
    assertThat(meters.find(AuthMetrics.SSE_STREAMS).gauge()).isNotNull();
  }

  @Test
  void auditRecordsDecisionsWithoutSecrets() throws Exception {
    try (McpSyncClient client = client(server.port(), ca.clientContext(alice))) {
      client.initialize();
      call(client, "echo");
      assertRefused(() -> call(client, "add"), 403);
    }
    String log = auditOfThisTest("\"tool\":\"add\"");
    assertThat(log).contains("\"event\":\"authentication\",\"decision\":\"allow\","
        + "\"principal\":\"spiffe://gatehouse.local/client/alice\",\"method\":\"certificate\"");
    assertThat(log).contains("\"cert_serial\":\"" + alice.serialHex() + "\"");
    assertThat(log.lines().filter(l -> l.contains("\"tool_call\"") && l.contains("\"tool\":\"echo\"")
        && l.contains("\"decision\":\"allow\"")).count()).isGreaterThanOrEqualTo(1);
    assertThat(log.lines().filter(l -> l.contains("\"tool_call\"") && l.contains("\"tool\":\"add\"")
        && l.contains("\"decision\":\"deny\"")).count()).isGreaterThanOrEqualTo(1);
    assertThat(log).doesNotContain("PRIVATE KEY").doesNotContain("BEGIN CERTIFICATE")
        .doesNotContain(RealCa.PASSPHRASE);
    assertThat(log.lines()).allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));
  }

  @Test
  void curlWithOpenSslSeesTheSameContract() throws Exception {
    Path clients = ca.chainPem().getParent().getParent().resolve("clients");
    List<String> alice = List.of("--cert", clients.resolve("alice.crt").toString(),
        "--key", clients.resolve("alice.key").toString());
    List<String> root = List.of("--cert", clients.resolve("root.crt").toString(),
        "--key", clients.resolve("root.key").toString());
    String[] viewer = curl(alice, "/metrics");
    assertThat(viewer[0]).isEqualTo("403");
    assertThat(viewer[1]).containsIgnoringCase("www-authenticate: Bearer error=\"insufficient_scope\", "
        + "scope=\"resource:metrics\", resource_metadata=\"" + AuthFixture.METADATA_URL + "\"");
    String[] admin = curl(root, "/metrics");
    assertThat(admin[0]).isEqualTo("200");
    assertThat(admin[1]).containsIgnoringCase("content-type: text/plain; version=0.0.4");
    // No client certificate: OpenSSL's handshake is refused (curl exits without an HTTP status).
    assertThat(curl(List.of(), "/metrics")[0]).isEqualTo("000");
  }

  /** Runs curl (OpenSSL) against the server; returns {http status, response headers}. */
  private static String[] curl(List<String> identity, String path) throws Exception {
    Path headers = Files.createTempFile(dir, "curl", ".headers");
    List<String> command = new java.util.ArrayList<>(List.of("curl", "-s", "-o", "/dev/null",
        "-D", headers.toString(), "-w", "%{http_code}", "--max-time", "20",
        "--cacert", ca.chainPem().toString(),
        "--resolve", "localhost:" + server.port() + ":127.0.0.1"));
    command.addAll(identity);
    command.add("https://localhost:" + server.port() + path);
    Process process = new ProcessBuilder(command).redirectErrorStream(false)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String status = new String(process.getInputStream().readAllBytes(),
        java.nio.charset.StandardCharsets.US_ASCII).trim();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new String[] {status, Files.readString(headers)};
  }

  // --- helpers

  record X509Certificates(String what, List<java.security.cert.X509Certificate> chain, String cause) {}

  /** Calls of {@code tool} with {@code outcome} timed so far (0 before the first). */
  private static double toolCalls(String tool, String outcome) {
    var timer = meters.find(AuthMetrics.TOOL_CALLS).tags("tool", tool, "outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  /** The counter {@code name} with {@code tags} so far (0 before the first). */
  private static double count(String name, String... tags) {
    var counter = meters.find(name).tags(tags).counter();
    return counter == null ? 0 : counter.count();
  }

  private static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The audit lines (main and refusals file) written since this test began, once they contain
   * {@code expected} (or after 5 s): earlier tests' lines cannot satisfy this test's assertions.
   */
  private static String auditOfThisTest(String expected) throws InterruptedException {
    eventually(Duration.ofSeconds(5), () -> auditOfThisTest().contains(expected));
    return auditOfThisTest();
  }

  private static String auditOfThisTest() {
    return tail(audit, auditStart) + tail(AuditLog.refusalsFile(audit), refusalsStart);
  }

  /** {@code file} from byte {@code from} on (all of it if it rolled over since). */
  private static String tail(Path file, long from) {
    try {
      if (!Files.exists(file)) {
        return "";
      }
      byte[] bytes = Files.readAllBytes(file);
      int start = bytes.length < from ? 0 : (int) from;
      return new String(bytes, start, bytes.length - start, java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static double handshakeFailures(String cause) {
    var counter = meters.find(AuthMetrics.TLS_HANDSHAKE_FAILURES).tag("cause", cause).counter();
    return counter == null ? 0 : counter.count();
  }

  /** True when TLS refuses the client: the handshake or the first exchange fails. */
  private boolean refusedAtHandshake(SSLContext tls) {
    try (RawHttp raw = RawHttp.connect(tls, server.port())) {
      raw.exchange(RawHttp.request("GET", "/nothing", Map.of(), null));
      return false;
    } catch (IOException expected) {
      return true;
    }
  }

  private static String session(SSLContext tls) throws IOException {
    RawHttp.Response init = AuthFixture.exchange(tls, server.port(), "POST", "/mcp", mcpHeaders(Map.of()),
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
            + "\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}");
    assertThat(init.status()).isEqualTo(200);
    return init.header("Mcp-Session-Id");
  }

  private static RawHttp.Response post(SSLContext tls, String session, String body)
      throws IOException {
    try (RawHttp raw = RawHttp.connect(tls, server.port())) {
      RawHttp.Response head = raw.exchange(RawHttp.request("POST", "/mcp",
          mcpHeaders(Map.of("Mcp-Session-Id", session)), body));
      if (head.status() == 200 && "text/event-stream".equals(head.header("content-type"))) {
        return new RawHttp.Response(200, head.headers(), raw.readEvent());
      }
      return head;
    }
  }

  private static KeyPair ecKeys() {
    return TestCerts.ecKey();
  }

  private static byte[] viewerRoles() {
    return TestCerts.encodeRoles(List.of("viewer"));
  }

  /** A client certificate signed by the real issuing key, with EKU {@code eku} (null: none). */
  private static java.security.cert.X509Certificate custom(IssuerKey key, KeyPair keys, String name,
      KeyPurposeId eku, byte[] rolesValue) {
    Instant now = Instant.now();
    TestCerts b = TestCerts.issuedBy(key.subject(), null).subject("CN=" + name).keys(keys)
        .validity(now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofHours(1))).leaf()
        .extension(Extension.authorityKeyIdentifier, false, key.authorityKeyIdentifier())
        .spiffeClient(name).rawRoles(rolesValue);
    if (eku != null) {
      b.extendedKeyUsage(eku);
    }
    return key.sign(b.template());
  }
}
