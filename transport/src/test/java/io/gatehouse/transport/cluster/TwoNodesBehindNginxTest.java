package io.gatehouse.transport.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.auth.pipeline.GatehouseAuth;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.mcp.session.SessionKeys;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Gatehouse transport nodes on loopback behind a real nginx (stream module: TLS passed
 * through, round robin, no affinity, PROXY protocol to the nodes), sharing one real CA service
 * ({@code ca serve}), one policy file and one session key (issue 13, docs/deployment.md). The
 * legacy SDK client keeps one session while its requests land on both nodes; the modern (2026-07-28)
 * SDK client's requests land on both nodes, and a multi round-trip request continues on the node
 * that did not start it; a certificate revoked
 * at the CA is refused by both nodes within the revocation cache bound; a policy edit reaches both.
 */
class TwoNodesBehindNginxTest {
  /** The revocation cache bound of both nodes. */
  static final Duration CACHE_BOUND = Duration.ofSeconds(1);
  /** Cache bound + OCSP round trip + a loaded 2-core machine. */
  static final Duration REFUSED_WITHIN = Duration.ofSeconds(8);
  static final String POLICY = """
      roles:
        viewer:
          includes: [resumer]
          tools: ["echo", "whoami"]
        resumer:
          tools: ["resume"]
      """;

  @TempDir static Path dir;
  static RealCa ca;
  static Path policy;
  static final List<TestServer> nodes = new ArrayList<>();
  static Nginx nginx;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    policy = Files.writeString(dir.resolve("policy.yaml"), POLICY);
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    SessionKeys shared = SessionKeys.parse("k1:" + Base64.getEncoder().encodeToString(key));
    for (int i = 0; i < 2; i++) {
      AuthConfig auth = AuthConfig.defaults()
          .withPolicy(policy)
          .withRevocation(AuthConfig.Revocation.defaults().withMaxCacheTtl(CACHE_BOUND))
          .withLockout(new AuthConfig.Lockout(1000, null, null, null))
          .withAudit(AuthConfig.Audit.toFile(dir.resolve("audit-" + i + ".log")))
          .withResource(URI.create("https://localhost:8443/mcp"));
      TransportConfig config = TransportConfig.defaults().withAddress("127.0.0.1", 0)
          .withTls(TransportConfig.Tls.of(ca.serverCertificate(), ca.serverKey())
              .withClientAuth(TransportConfig.ClientAuthMode.NONE, ca.chainPem()))
          .withAuth(auth)
          .withProxyProtocol(new TransportConfig.ProxyProtocol(List.of(Nginx.PROXY_ADDRESS)));
      TestServer node = TestServer.startSecure(config); // closes its auth pipeline too
      node.transport.setSessionKeys(shared);
      nodes.add(node);
    }
    nginx = Nginx.start(dir.resolve("nginx"), nodes.stream().map(TestServer::port).toList());
  }

  @AfterAll
  static void stop() throws Exception {
    if (nginx != null) {
      nginx.close();
    }
    nodes.forEach(TestServer::close);
    if (ca != null) {
      ca.close();
    }
  }

  /** The SDK's legacy (session) client through nginx, one connection per request. */
  static McpSyncClient legacyClient(SSLContext tls) {
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder("https://localhost:" + nginx.port())
        .endpoint("/mcp")
        .clientBuilder(ConnectionPerRequestClient.builder())
        .customizeClient(b -> b.sslContext(tls))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    return McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
  }

  static int whoamiCalls(TestServer node) {
    AtomicInteger n = node.calls.get("whoami");
    return n == null ? 0 : n.get();
  }

  @Test
  void aLegacySessionIsServedByBothNodesThroughTheBalancer() throws Exception {
    RealCa.Identity alice = ca.client("alice", "viewer");
    int[] before = {whoamiCalls(nodes.get(0)), whoamiCalls(nodes.get(1))};
    try (McpSyncClient client = legacyClient(ca.clientContext(alice))) {
      McpSchema.InitializeResult init = client.initialize();
      assertThat(init.protocolVersion()).startsWith("2025-");
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String who = text(client.callTool(McpSchema.CallToolRequest.builder("whoami").build()));
        // principal|protocol version|Mcp-Session-Id|roles
        assertThat(who).startsWith("spiffe://").contains("/alice|").endsWith("|viewer");
        sessions.add(who.split("\\|")[2]);
      }
      int onA = whoamiCalls(nodes.get(0)) - before[0];
      int onB = whoamiCalls(nodes.get(1)) - before[1];
      assertThat(onA + onB).isEqualTo(8);
      assertThat(onA).as("calls served by node A").isPositive();
      assertThat(onB).as("calls served by node B").isPositive();
      // One client session throughout, re-created by the node that had not seen it.
      assertThat(sessions).hasSize(8).doesNotContainNull();
      assertThat(sessions.stream().distinct().count()).isEqualTo(1);
      // Filtered per principal on whichever node answers (the policy test may have added "add").
      assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name)
          .contains("echo", "whoami").doesNotContain("forbidden", "wait", "progress");
    }
    // The nodes saw the client's own address (PROXY protocol), never nginx's.
    for (int i = 0; i < 2; i++) {
      String audit = Files.readString(dir.resolve("audit-" + i + ".log"));
      assertThat(audit).contains("/alice").contains("\"remote\":\"127.0.0.1\"")
          .doesNotContain("\"remote\":\"" + Nginx.PROXY_ADDRESS + "\"");
    }
  }

  /** The SDK's modern (2026-07-28, stateless) client through nginx, one connection per request. */
  static io.modelcontextprotocol.modern.client.McpSyncClient modernClient(SSLContext tls) {
    io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport transport =
        io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport
            .builder("https://localhost:" + nginx.port() + "/mcp")
            .clientBuilder(ConnectionPerRequestClient.builder())
            .customizeClient(b -> b.sslContext(tls))
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    return io.modelcontextprotocol.modern.client.McpClient.sync(transport)
        .callTimeout(Duration.ofSeconds(30)).build();
  }

  /**
   * A 2026-07-28 client through the same balancer: every request on a new connection, so round
   * robin spreads them over both nodes, each answering from the headers and the request alone;
   * and a multi round-trip request whose round 2 lands on the other node than round 1 continues
   * there (requestState sealed under the shared key).
   */
  @Test
  void aModernClientIsServedByBothNodesThroughTheBalancer() throws Exception {
    RealCa.Identity frank = ca.client("frank", "viewer");
    SSLContext tls = ca.clientContext(frank);
    int[] before = {whoamiCalls(nodes.get(0)), whoamiCalls(nodes.get(1))};
    io.modelcontextprotocol.modern.client.McpSyncClient client = modernClient(tls);
    for (int i = 0; i < 8; i++) {
      io.modelcontextprotocol.modern.McpSchema.CallToolResult result = client.tool("whoami").call();
      String who = ((io.modelcontextprotocol.modern.McpSchema.TextContent) result.content().get(0))
          .text();
      // principal|protocol version|no session|roles
      assertThat(who).startsWith("spiffe://").contains("/frank|2026-07-28|none|");
    }
    int onA = whoamiCalls(nodes.get(0)) - before[0];
    int onB = whoamiCalls(nodes.get(1)) - before[1];
    assertThat(onA + onB).isEqualTo(8);
    assertThat(onA).as("calls served by node A").isPositive();
    assertThat(onB).as("calls served by node B").isPositive();
    assertThat(client.listTools().skipCache().list().tools())
        .extracting(io.modelcontextprotocol.modern.McpSchema.Tool::name)
        .contains("echo", "whoami", "resume").doesNotContain("forbidden", "progress");

    // Multi round-trip: two consecutive connections through nginx reach the two nodes.
    int[] resumes = {resumeCalls(nodes.get(0)), resumeCalls(nodes.get(1))};
    tools.jackson.databind.JsonNode first = modernResume(tls, 1, null).path("result");
    String state = first.path("requestState").asString();
    assertThat(state).as("round 1: %s", first).startsWith("k1.");
    tools.jackson.databind.JsonNode second = modernResume(tls, 2, state);
    assertThat(second.path("result").path("content").get(0).path("text").asString())
        .as("round 2: %s", second).endsWith("/frank");
    assertThat(resumeCalls(nodes.get(0)) - resumes[0]).as("rounds on node A").isEqualTo(1);
    assertThat(resumeCalls(nodes.get(1)) - resumes[1]).as("rounds on node B").isEqualTo(1);
  }

  static int resumeCalls(TestServer node) {
    AtomicInteger n = node.calls.get("resume");
    return n == null ? 0 : n.get();
  }

  /** One round of the {@code resume} tool through nginx, on a new connection. */
  static tools.jackson.databind.JsonNode modernResume(SSLContext tls, int id, String state)
      throws Exception {
    tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder()
        .build();
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("name", "resume");
    params.put("arguments", Map.of());
    params.put("_meta", Map.of(
        "io.modelcontextprotocol/protocolVersion", "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities", Map.of("roots", Map.of()),
        "io.modelcontextprotocol/clientInfo", Map.of("name", "raw", "version", "1")));
    if (state != null) {
      params.put("inputResponses", Map.of("roots", Map.of("roots", List.of())));
      params.put("requestState", state);
    }
    Map<String, String> headers = new LinkedHashMap<>(RawHttp.mcpHeaders(null));
    headers.put("MCP-Protocol-Version", "2026-07-28");
    headers.put("Mcp-Method", "tools/call");
    headers.put("Mcp-Name", "resume");
    try (RawHttp raw = RawHttp.connect(tls, nginx.port())) {
      return json.readTree(raw.exchange(RawHttp.request("POST", "/mcp", headers,
          json.writeValueAsString(Map.of("jsonrpc", "2.0", "id", id, "method", "tools/call",
              "params", params)))).body());
    }
  }

  @Test
  void aCertificateRevokedAtTheCaIsRefusedByBothNodes() throws Exception {
    RealCa.Identity dave = ca.client("dave", "viewer");
    SSLContext tls = ca.clientContext(dave);
    for (TestServer node : nodes) {
      assertThat(status(tls, node.port())).isEqualTo(404);
    }
    assertThat(status(tls, nginx.port())).isEqualTo(404);
    ca.revoke(dave);
    long revoked = System.nanoTime();
    for (TestServer node : nodes) {
      assertThat(eventually(REFUSED_WITHIN, () -> status(tls, node.port()) == 401))
          .as("node on port %d refuses the revoked certificate", node.port()).isTrue();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(REFUSED_WITHIN);
    // Through the balancer, whichever node answers: two connections, round robin, both refused.
    assertThat(status(tls, nginx.port())).isEqualTo(401);
    assertThat(status(tls, nginx.port())).isEqualTo(401);
  }

  @Test
  void aPolicyChangeOnTheSharedFileReachesBothNodes() throws Exception {
    RealCa.Identity erin = ca.client("erin", "viewer");
    SSLContext tls = ca.clientContext(erin);
    String session = sessionIdOf(tls);
    for (TestServer node : nodes) {
      assertThat(callAdd(tls, node.port(), session)).isEqualTo(403);
    }
    Files.writeString(policy, POLICY.replace("[\"echo\", \"whoami\"]",
        "[\"echo\", \"whoami\", \"add\"]"));
    for (TestServer node : nodes) {
      assertThat(eventually(Duration.ofSeconds(10), () -> callAdd(tls, node.port(), session) == 200))
          .as("node on port %d reloaded the policy", node.port()).isTrue();
    }
  }

  /** A new session of the identity behind {@code tls}, initialized through the balancer. */
  static String sessionIdOf(SSLContext tls) throws Exception {
    try (RawHttp raw = RawHttp.connect(tls, nginx.port())) {
      RawHttp.Response init = raw.exchange(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(null),
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
              + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}"));
      assertThat(init.status()).isEqualTo(200);
      return init.header("Mcp-Session-Id");
    }
  }

  /** {@code tools/call add} on {@code session}, straight to the node on {@code port}. */
  static int callAdd(SSLContext tls, int port, String session) {
    Map<String, String> headers = new LinkedHashMap<>(RawHttp.mcpHeaders(session));
    try (RawHttp raw = RawHttp.connect(tls, port)) {
      return raw.exchange(RawHttp.request("POST", "/mcp", headers,
          "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"add\","
              + "\"arguments\":{\"a\":1,\"b\":2}}}")).status();
    } catch (Exception e) {
      return -1;
    }
  }

  static int status(SSLContext tls, int port) {
    try (RawHttp raw = RawHttp.connect(tls, port)) {
      return raw.exchange(RawHttp.request("GET", "/nothing", Map.of(), null)).status();
    } catch (Exception refusedHandshake) {
      return -1;
    }
  }

  static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(100);
    }
    return condition.getAsBoolean();
  }
}
