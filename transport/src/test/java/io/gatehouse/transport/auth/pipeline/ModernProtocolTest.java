package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.call;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.mcp.modern.ModernProtocol;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.client.McpClient;
import io.modelcontextprotocol.modern.client.McpSyncClient;
import io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * MCP 2026-07-28 beside 2025-xx on one {@code /mcp}, over mutual TLS with certificates from the
 * real CA: the SDK's modern client and its legacy client against the same server, and raw HTTP
 * for what a conforming client never sends (header/body disagreement, unknown versions and
 * methods, forbidden tools, the Base64 form of {@code Mcp-Name}).
 */
class ModernProtocolTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path dir;
  static RealCa ca;
  static TestServer server;
  static SimpleMeterRegistry meters = new SimpleMeterRegistry();
  static RealCa.Identity alice;
  static RealCa.Identity carol;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    AuthConfig authConfig = AuthConfig.defaults()
        .withPolicy(AuthFixture.writePolicy(dir))
        .withLockout(AuthFixture.lenientLockout())
        .withRevocation(AuthConfig.Revocation.defaults().withMaxCacheTtl(Duration.ofSeconds(1)))
        .withAudit(AuthConfig.Audit.toFile(dir.resolve("audit.log")));
    TransportConfig config = AuthFixture.config(ca, authConfig);
    // Quick pings, so the listen test sees a keep-alive without waiting 15 s.
    config = config.withLimits(config.limits().withSse(Duration.ofMillis(200), 1 << 20));
    server = TestServer.startSecure(config, meters, null); // owns and closes its auth pipeline
    alice = ca.client("alice", "viewer");
    carol = ca.client("carol", "manager");
  }

  @AfterAll
  static void stop() {
    server.close();
    ca.close();
  }

  static McpSyncClient modernClient(SSLContext tls) {
    HttpClientMcpTransport transport = HttpClientMcpTransport
        .builder("https://localhost:" + server.port() + "/mcp")
        .customizeClient(b -> b.sslContext(tls))
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    return McpClient.sync(transport).callTimeout(Duration.ofSeconds(30)).build();
  }

  static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  @Test
  void sdkModernClientListsOnlyPermittedToolsAndCallsOne() {
    McpSyncClient client = modernClient(ca.clientContext(alice));
    McpSchema.ListToolsResult tools = client.listTools().skipCache().list();
    assertThat(tools.tools()).extracting(McpSchema.Tool::name).containsExactly("echo", "whoami");
    assertThat(tools.cacheScope()).isEqualTo(McpSchema.CacheScope.PRIVATE);
    String[] who = text(client.tool("whoami").call()).split("\\|");
    assertThat(who[0]).isEqualTo("spiffe://gatehouse.local/client/alice");
    assertThat(who[1]).isEqualTo(ModernProtocol.VERSION);
    assertThat(who[3]).isEqualTo("viewer");
    assertThat(text(client.tool("echo").arguments(Map.of("text", "hi")).call())).isEqualTo("hi");
    int before = count("add");
    // The modern client calls only listed tools; the raw cases below show the server's 403.
    assertThatThrownBy(() -> client.tool("add").arguments(Map.of("a", 1, "b", 2)).call())
        .hasMessageContaining("isn't listed");
    assertThat(count("add")).isEqualTo(before);
  }

  @Test
  void managerSeesMoreInTheSameDeterministicOrder() {
    McpSyncClient client = modernClient(ca.clientContext(carol));
    assertThat(client.listTools().skipCache().list().tools()).extracting(McpSchema.Tool::name)
        .containsExactly("add", "echo", "progress", "whoami");
    assertThat(text(client.tool("add").arguments(Map.of("a", 1, "b", 2)).call())).isEqualTo("3");
  }

  @Test
  void legacyClientStillWorksOnTheSameEndpoint() {
    try (io.modelcontextprotocol.client.McpSyncClient legacy =
        client(server.port(), ca.clientContext(alice))) {
      legacy.initialize();
      String[] who = call(legacy, "whoami").split("\\|");
      assertThat(who[0]).isEqualTo("spiffe://gatehouse.local/client/alice");
      assertThat(who[1]).startsWith("2025-");
      assertThat(who[3]).isEqualTo("viewer");
    }
  }

  @Test
  void bodyThatDisagreesWithTheHeadersIs400HeaderMismatchAndNeverRuns() throws IOException {
    int before = count("add");
    // Authorized as echo (permitted) but the body calls add (forbidden to alice).
    RawHttp.Response r = post(alice, headers("tools/call", "echo"), toolCall(1, "add"));
    assertThat(r.status()).isEqualTo(400);
    assertThat(error(r).path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.HEADER_MISMATCH);
    assertThat(json(r).path("id").asInt()).isEqualTo(1);
    assertThat(count("add")).isEqualTo(before);
    // Mcp-Method saying one method and the body another.
    RawHttp.Response method = post(alice, headers("tools/list", null), toolCall(2, "echo"));
    assertThat(method.status()).isEqualTo(400);
    assertThat(error(method).path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.HEADER_MISMATCH);
    // tools/call without Mcp-Name, and with two of them.
    RawHttp.Response missing = post(alice, headers("tools/call", null), toolCall(3, "echo"));
    assertThat(missing.status()).isEqualTo(400);
    assertThat(error(missing).path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.HEADER_MISMATCH);
  }

  @Test
  void unsupportedVersionIs400ListingTheSupportedOnes() throws IOException {
    Map<String, String> h = headers("tools/list", null);
    h.put("MCP-Protocol-Version", "2099-01-01");
    RawHttp.Response r = post(alice, h, request(1, "tools/list", Map.of()));
    assertThat(r.status()).isEqualTo(400);
    JsonNode error = error(r);
    assertThat(error.path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION);
    assertThat(error.path("data").path("supported").toString())
        .contains(ModernProtocol.VERSION, "2025-11-25", "2025-03-26");
    assertThat(r.body()).doesNotContain("2099"); // no echo of request data
    // A legacy-era client (no Mcp-Method) keeps today's shape.
    Map<String, String> legacy = AuthFixture.mcpHeaders(Map.of("MCP-Protocol-Version", "2099-01-01"));
    RawHttp.Response old = post(alice, legacy, request(1, "tools/list", Map.of()));
    assertThat(old.status()).isEqualTo(400);
    assertThat(old.body()).contains("\"error\":\"unsupported_protocol_version\"");
  }

  @Test
  void unknownMethodIs404MethodNotFound() throws IOException {
    RawHttp.Response r = post(alice, headers("no/such", null), request(4, "no/such", Map.of()));
    assertThat(r.status()).isEqualTo(404);
    assertThat(error(r).path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.METHOD_NOT_FOUND);
    assertThat(json(r).path("jsonrpc").asString()).isEqualTo("2.0");
  }

  @Test
  void forbiddenToolIs403FromTheHeadersAloneWithTheChallengeKept() throws IOException {
    int before = count("forbidden");
    // The body is not even JSON: the refusal comes from Mcp-Name before it is parsed.
    RawHttp.Response r = post(alice, headers("tools/call", "forbidden"), "{not json");
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.header("WWW-Authenticate")).startsWith("Bearer error=\"insufficient_scope\"")
        .contains("scope=\"tool:forbidden\"");
    JsonNode error = error(r);
    assertThat(error.path("data").path("error").asString()).isEqualTo("insufficient_scope");
    assertThat(json(r).path("jsonrpc").asString()).isEqualTo("2.0");
    // With a well-formed body, still refused, and the tool never ran.
    assertThat(post(alice, headers("tools/call", "forbidden"), toolCall(5, "forbidden")).status())
        .isEqualTo(403);
    assertThat(count("forbidden")).isEqualTo(before).isZero();
  }

  @Test
  void base64McpNameIsDecodedAndChecked() throws IOException {
    String encoded = "=?base64?" + Base64.getEncoder()
        .encodeToString("echo".getBytes(StandardCharsets.UTF_8)) + "?=";
    RawHttp.Response ok = post(alice, headers("tools/call", encoded), toolCall(6, "echo"));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(json(ok).path("result").path("content").get(0).path("text").asString())
        .isEqualTo("hi");
    // Base64 of a forbidden name is refused like the plain name.
    String forbidden = "=?base64?" + Base64.getEncoder()
        .encodeToString("forbidden".getBytes(StandardCharsets.UTF_8)) + "?=";
    assertThat(post(alice, headers("tools/call", forbidden), toolCall(7, "forbidden")).status())
        .isEqualTo(403);
    // Malformed Base64 is no name at all.
    RawHttp.Response bad = post(alice, headers("tools/call", "=?base64?***?="), toolCall(8, "echo"));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(error(bad).path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.HEADER_MISMATCH);
  }

  @Test
  void plainResultIsJsonAndAStreamingHandlerIsSse() throws Exception {
    RawHttp.Response plain = post(carol, headers("tools/call", "echo"), toolCall(9, "echo"));
    assertThat(plain.status()).isEqualTo(200);
    assertThat(plain.header("Content-Type")).startsWith("application/json");
    Map<String, Object> params = new LinkedHashMap<>(toolParams("progress"));
    Map<String, Object> meta = new LinkedHashMap<>(meta());
    meta.put("progressToken", "p1");
    params.put("_meta", meta);
    try (RawHttp raw = RawHttp.connect(ca.clientContext(carol), server.port())) {
      raw.send(RawHttp.request("POST", "/mcp", headers("tools/call", "progress"),
          request(10, "tools/call", params)));
      RawHttp.Response head = raw.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("Content-Type")).isEqualTo("text/event-stream");
      assertThat(head.header("X-Accel-Buffering")).isEqualTo("no");
      StringBuilder events = new StringBuilder();
      for (String chunk = raw.readChunk(); chunk != null; chunk = raw.readChunk()) {
        events.append(chunk); // up to the last chunk: the stream ends with the result
      }
      assertThat(events).contains("notifications/progress").contains("\"text\":\"done\"");
      assertThat(events.indexOf("notifications/progress")).isLessThan(events.indexOf("done"));
    }
    // Both answers are timed like legacy tool calls (only the modern path calls progress here).
    for (String tool : List.of("echo", "progress")) {
      assertThat(AuthFixture.eventually(Duration.ofSeconds(5), () -> meters
          .find(AuthMetrics.TOOL_CALLS).tags("tool", tool, "outcome", "ok").timer() != null))
          .as(tool).isTrue();
    }
  }

  @Test
  void listenIsAStreamWithKeepAlivesAndListChangedNamesNoTool() throws IOException {
    try (RawHttp raw = listen(ca.clientContext(alice))) {
      RawHttp.Response head = raw.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("Content-Type")).isEqualTo("text/event-stream");
      assertThat(head.header("X-Accel-Buffering")).isEqualTo("no");
      StringBuilder seen = new StringBuilder();
      while (!seen.toString().contains(": ping")) {
        seen.append(raw.readChunk());
      }
      // What a policy reload sends: the listener re-lists through its own filter.
      server.transport.notifyClients(
          io.modelcontextprotocol.spec.McpSchema.METHOD_NOTIFICATION_TOOLS_LIST_CHANGED, null)
          .block(Duration.ofSeconds(5));
      String event = "";
      while (!event.contains("list_changed")) {
        event = raw.readEvent();
      }
      assertThat(event).contains("notifications/tools/list_changed")
          .doesNotContain("forbidden").doesNotContain("\"add\"").doesNotContain("progress");
    }
  }

  @Test
  void aRevokedCertificateLosesItsListenStream() throws Exception {
    RealCa.Identity erin = ca.client("erin", "viewer");
    try (RawHttp raw = listen(ca.clientContext(erin))) {
      assertThat(raw.readHead().status()).isEqualTo(200);
      assertThat(raw.readChunk()).isNotNull();
      ca.revoke(erin);
      // Closed by the same credential binding as legacy streams (docs/security.md).
      assertThat(raw.readUntilClosed(Duration.ofSeconds(15).toMillis()))
          .as("listen stream closed after the certificate was revoked").isNotNull();
    }
  }

  private static RawHttp listen(SSLContext tls) throws IOException {
    RawHttp raw = RawHttp.connect(tls, server.port());
    raw.send(RawHttp.request("POST", "/mcp", headers("subscriptions/listen", null),
        request(11, "subscriptions/listen", Map.of("notifications",
            Map.of(McpSchema.SubscriptionFilter.TOOLS_LIST_CHANGED, true)))));
    return raw;
  }

  private static int count(String tool) {
    return server.calls.getOrDefault(tool, new AtomicInteger()).get();
  }

  private static Map<String, String> headers(String method, String name) {
    Map<String, String> h = AuthFixture.mcpHeaders(Map.of(
        "MCP-Protocol-Version", ModernProtocol.VERSION, "Mcp-Method", method));
    if (name != null) {
      h.put("Mcp-Name", name);
    }
    return h;
  }

  private static Map<String, Object> meta() {
    return Map.of(McpSchema.MetaKeys.PROTOCOL_VERSION, ModernProtocol.VERSION,
        McpSchema.MetaKeys.CLIENT_CAPABILITIES, Map.of(),
        McpSchema.MetaKeys.CLIENT_INFO, Map.of("name", "raw", "version", "1"));
  }

  private static Map<String, Object> toolParams(String tool) {
    return Map.of("name", tool, "arguments", Map.of("text", "hi", "a", 1, "b", 2), "_meta", meta());
  }

  private static String toolCall(int id, String tool) {
    return request(id, "tools/call", toolParams(tool));
  }

  private static String request(int id, String method, Map<String, Object> params) {
    Map<String, Object> p = new LinkedHashMap<>(params);
    p.putIfAbsent("_meta", meta());
    return JSON.writeValueAsString(Map.of("jsonrpc", "2.0", "id", id, "method", method, "params", p));
  }

  private static RawHttp.Response post(RealCa.Identity who, Map<String, String> headers,
      String body) throws IOException {
    return AuthFixture.exchange(ca.clientContext(who), server.port(), "POST", "/mcp", headers, body);
  }

  private static JsonNode json(RawHttp.Response r) {
    return JSON.readTree(r.body());
  }

  private static JsonNode error(RawHttp.Response r) {
    JsonNode error = json(r).path("error");
    assertThat(error.isObject()).as("JSON-RPC error object in %s", r.body()).isTrue();
    return error;
  }

}
