package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.call;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.client;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.http.ModernProtocol;
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
      assertThat(AuthFixture.eventually(Duration.ofSeconds(30), () -> meters
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

  /**
   * Every error answer to a request whose id can be read carries that id (JSON-RPC; the
   * conformance check sep-2575-http-server-error-jsonrpc-id), whichever layer refuses it: the
   * header check and the version check before authentication reads the body, the policy's 403,
   * the SDK's 404. Only an unreadable body is answered with {@code id: null}.
   */
  @Test
  void everyModernErrorAnswersWithTheRequestsId() throws IOException {
    Map<String, String> noMethod = AuthFixture.mcpHeaders(
        Map.of("MCP-Protocol-Version", ModernProtocol.VERSION));
    RawHttp.Response missingMethod = post(alice, noMethod, request(21, "tools/list", Map.of()));
    assertThat(missingMethod.status()).isEqualTo(400);
    assertThat(error(missingMethod).path("code").asInt())
        .isEqualTo(McpSchema.ErrorCodes.HEADER_MISMATCH);
    assertThat(json(missingMethod).path("id").asInt()).isEqualTo(21);

    String stringId = JSON.writeValueAsString(Map.of("jsonrpc", "2.0", "id", "req-22",
        "method", "tools/call", "params", toolParams("echo")));
    RawHttp.Response missingName = post(alice, headers("tools/call", null), stringId);
    assertThat(missingName.status()).isEqualTo(400);
    assertThat(json(missingName).path("id").asString()).isEqualTo("req-22");

    Map<String, String> future = headers("tools/list", null);
    future.put("MCP-Protocol-Version", "2099-01-01");
    RawHttp.Response version = post(alice, future, request(23, "tools/list", Map.of()));
    assertThat(version.status()).isEqualTo(400);
    assertThat(error(version).path("code").asInt())
        .isEqualTo(McpSchema.ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION);
    assertThat(json(version).path("id").asInt()).isEqualTo(23);

    RawHttp.Response forbidden = post(alice, headers("tools/call", "forbidden"),
        toolCall(24, "forbidden"));
    assertThat(forbidden.status()).isEqualTo(403);
    assertThat(json(forbidden).path("id").asInt()).isEqualTo(24);

    RawHttp.Response unknown = post(alice, headers("no/such", null), request(25, "no/such", Map.of()));
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(json(unknown).path("id").asInt()).isEqualTo(25);

    // The id is read from the top level only: a nested "id" is not the request's.
    RawHttp.Response nested = post(alice, headers("tools/call", "forbidden"),
        "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"id\":7,\"name\":\"forbidden\"}}");
    assertThat(nested.status()).isEqualTo(403);
    assertThat(json(nested).get("id").isNull()).isTrue();
    RawHttp.Response unreadable = post(alice, headers("tools/call", "forbidden"), "{not json");
    assertThat(unreadable.status()).isEqualTo(403);
    assertThat(json(unreadable).get("id").isNull()).isTrue();
  }

  /**
   * The probes of the conformance scenario http-header-validation (SEP-2243), sent over TLS as a
   * client does: header names in any case and whitespace around {@code Mcp-Name} are accepted;
   * a method value in another case, or naming another method than the body, is 400
   * HeaderMismatch (-32020) answering the request's id.
   */
  @Test
  void headerValidationProbesGetTheSpecifiedAnswers() throws IOException {
    for (String name : List.of("mcp-method", "MCP-METHOD")) {
      Map<String, String> h = AuthFixture.mcpHeaders(Map.of(
          "MCP-Protocol-Version", ModernProtocol.VERSION, name, "tools/list"));
      RawHttp.Response r = post(alice, h, request(31, "tools/list", Map.of()));
      assertThat(r.status()).as(name).isEqualTo(200);
      assertThat(json(r).path("result").path("tools").isArray()).isTrue();
    }
    RawHttp.Response spaced = post(alice, headers("tools/call", "  echo  "), toolCall(32, "echo"));
    assertThat(spaced.status()).isEqualTo(200);
    assertThat(json(spaced).path("id").asInt()).isEqualTo(32);
    for (String wrong : List.of("TOOLS/LIST", "prompts/list")) {
      RawHttp.Response r = post(alice, headers(wrong, null), request(33, "tools/list", Map.of()));
      assertThat(r.status()).as(wrong).isEqualTo(400);
      assertThat(error(r).path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.HEADER_MISMATCH);
      assertThat(json(r).path("id").asInt()).as(wrong).isEqualTo(33);
    }
    RawHttp.Response wrongName = post(alice, headers("tools/call", "wrong_tool_name"),
        toolCall(34, "echo"));
    // Mcp-Name names no tool alice may call, but the body disagrees with it: the mismatch wins.
    assertThat(wrongName.status()).isEqualTo(400);
    assertThat(error(wrongName).path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.HEADER_MISMATCH);
    assertThat(json(wrongName).path("id").asInt()).isEqualTo(34);
  }

  /**
   * The body is read as strict UTF-8 and a batch is refused whatever whitespace precedes it
   * (the endpoint decodes from a heap copy and finds the first character without copying).
   */
  @Test
  void malformedUtf8IsAParseErrorAndABatchAfterWhitespaceIsRefused() throws IOException {
    RawHttp.Response batch = post(alice, headers("tools/list", null),
        " \r\n\t[" + request(41, "tools/list", Map.of()) + "]");
    assertThat(error(batch).path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.INVALID_REQUEST);
    assertThat(error(batch).path("message").asString()).isEqualTo("batches are not accepted");

    byte[] body = request(42, "tools/list", Map.of()).getBytes(StandardCharsets.UTF_8);
    int at = new String(body, StandardCharsets.UTF_8).indexOf("tools/list") + 1;
    body[at] = (byte) 0xC3; // a lead byte followed by an ASCII byte: malformed
    String head = RawHttp.request("POST", "/mcp", headers("tools/list", null), null);
    head = head.substring(0, head.length() - 2) + "Content-Length: " + body.length + "\r\n\r\n";
    try (RawHttp raw = RawHttp.connect(ca.clientContext(alice), server.port())) {
      raw.send(head.getBytes(StandardCharsets.US_ASCII)).send(body);
      RawHttp.Response malformed = raw.read();
      assertThat(error(malformed).path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.PARSE_ERROR);
    }
  }

  /** Prompts and resources on the modern path, per caller, with the SDK's modern client. */
  @Test
  void promptsAndResourcesAreListedPerCallerAndPrivate() {
    McpSyncClient viewer = modernClient(ca.clientContext(alice));
    McpSchema.ListPromptsResult prompts = viewer.prompts().list();
    assertThat(prompts.prompts()).extracting(McpSchema.Prompt::name).containsExactly("greeting");
    assertThat(prompts.cacheScope()).isEqualTo(McpSchema.CacheScope.PRIVATE);
    McpSchema.ListResourcesResult resources = viewer.resources().list();
    assertThat(resources.resources()).extracting(McpSchema.Resource::uri)
        .containsExactly("doc://public/readme");
    assertThat(resources.cacheScope()).isEqualTo(McpSchema.CacheScope.PRIVATE);
    assertThat(((McpSchema.TextContent) viewer.prompt("greeting").get().messages().get(0)
        .content()).text()).isEqualTo("prompt greeting");
    assertThat(((McpSchema.TextResourceContents) viewer.resource("doc://public/readme").read()
        .contents().get(0)).text()).isEqualTo("contents of doc://public/readme");

    McpSyncClient manager = modernClient(ca.clientContext(carol));
    assertThat(manager.prompts().list().prompts()).extracting(McpSchema.Prompt::name)
        .containsExactly("greeting", "secret_prompt");
    assertThat(manager.resources().list().resources()).extracting(McpSchema.Resource::uri)
        .containsExactly("doc://private/salaries", "doc://public/readme");
    assertThat(((McpSchema.TextResourceContents) manager.resource("doc://private/salaries").read()
        .contents().get(0)).text()).isEqualTo("contents of doc://private/salaries");

    int before = count("prompt:secret_prompt");
    assertThatThrownBy(() -> viewer.prompt("secret_prompt").get());
    assertThatThrownBy(() -> viewer.resource("doc://private/salaries").read());
    assertThat(count("prompt:secret_prompt")).isEqualTo(before);
  }

  /**
   * {@code prompts/get} and {@code resources/read} of a name the caller is not granted: 403
   * insufficient_scope decided from {@code Mcp-Name} alone (the body is not even JSON), the
   * handler never runs; a name that cannot stand in the challenge is 400.
   */
  @Test
  void forbiddenPromptOrResourceIs403FromMcpNameAlone() throws IOException {
    int promptRuns = count("prompt:secret_prompt");
    int resourceReads = count("resource:doc://private/salaries"); // carol may read it elsewhere
    RawHttp.Response prompt = post(alice, headers("prompts/get", "secret_prompt"), "{not json");
    assertThat(prompt.status()).isEqualTo(403);
    assertThat(prompt.header("WWW-Authenticate")).startsWith("Bearer error=\"insufficient_scope\"")
        .contains("scope=\"prompt:secret_prompt\"");
    assertThat(error(prompt).path("data").path("error").asString()).isEqualTo("insufficient_scope");
    RawHttp.Response resource = post(alice, headers("resources/read", "doc://private/salaries"),
        "{not json");
    assertThat(resource.status()).isEqualTo(403);
    assertThat(resource.header("WWW-Authenticate")).contains("scope=\"resource:doc://private/salaries\"");
    // With well-formed bodies, still refused, answering the id, and nothing ran.
    RawHttp.Response get = post(alice, headers("prompts/get", "secret_prompt"),
        request(41, "prompts/get", Map.of("name", "secret_prompt")));
    assertThat(get.status()).isEqualTo(403);
    assertThat(json(get).path("id").asInt()).isEqualTo(41);
    assertThat(post(alice, headers("resources/read", "doc://private/salaries"),
        request(42, "resources/read", Map.of("uri", "doc://private/salaries"))).status())
        .isEqualTo(403);
    assertThat(count("prompt:secret_prompt")).isEqualTo(promptRuns);
    assertThat(count("resource:doc://private/salaries")).isEqualTo(resourceReads);
    // A granted Mcp-Name with a body naming the forbidden one: 400 HeaderMismatch, never run.
    RawHttp.Response swapped = post(alice, headers("resources/read", "doc://public/readme"),
        request(43, "resources/read", Map.of("uri", "doc://private/salaries")));
    assertThat(swapped.status()).isEqualTo(400);
    assertThat(error(swapped).path("code").asInt()).isEqualTo(McpSchema.ErrorCodes.HEADER_MISMATCH);
    assertThat(count("resource:doc://private/salaries")).isEqualTo(resourceReads);
    // A quote cannot stand in the challenge's scope: refused before any policy lookup.
    String quoted = "=?base64?" + Base64.getEncoder()
        .encodeToString("doc://public/\"x".getBytes(StandardCharsets.UTF_8)) + "?=";
    assertThat(post(alice, headers("resources/read", quoted),
        request(44, "resources/read", Map.of("uri", "doc://public/\"x"))).status()).isEqualTo(400);
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
