package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.assertRefused;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.client;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
 * The policy's {@code prompts} and {@code resource_uris} on the 2025-xx session path, over mutual
 * TLS with certificates from the real CA and the SDK's legacy client: a caller that simply speaks
 * 2025-11-25 sees and gets exactly what it would on 2026-07-28, and a forbidden {@code
 * prompts/get}, {@code resources/read} or {@code resources/subscribe} is refused before the SDK
 * handler runs (docs/authorization.md).
 */
class LegacyPromptResourceAclTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String LEGACY_VERSION = "2025-11-25";
  /** A caller with carol's role, to see when a policy reload is in force. */
  private static final io.gatehouse.transport.auth.Principal MANAGER =
      new io.gatehouse.transport.auth.Principal("probe", java.util.Set.of("manager"),
          io.gatehouse.transport.auth.AuthMethod.CERTIFICATE, "probe");

  @TempDir static Path dir;
  static RealCa ca;
  static TestServer server;
  static Path policy;
  static RealCa.Identity alice; // viewer: prompt greeting, resources doc://public/*
  static RealCa.Identity carol; // manager: every prompt, doc://*

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    policy = AuthFixture.writePolicy(dir);
    AuthConfig authConfig = AuthConfig.defaults()
        .withPolicy(policy)
        .withLockout(AuthFixture.lenientLockout())
        .withAudit(AuthConfig.Audit.toFile(dir.resolve("audit.log")));
    TransportConfig config = AuthFixture.config(ca, authConfig);
    // Quick pings, so a listening stream shows within a moment that nothing else came.
    config = config.withLimits(config.limits().withSse(Duration.ofMillis(200), 1 << 20));
    server = TestServer.startSecure(config);
    alice = ca.client("alice", "viewer");
    carol = ca.client("carol", "manager");
  }

  @AfterAll
  static void stop() {
    server.close();
    ca.close();
  }

  @Test
  void viewerListsOnlyPermittedPromptsAndResourcesSorted() {
    try (McpSyncClient viewer = legacy(alice); McpSyncClient manager = legacy(carol)) {
      assertThat(viewer.initialize().protocolVersion()).isEqualTo(LEGACY_VERSION);
      assertThat(viewer.listPrompts().prompts()).extracting(McpSchema.Prompt::name)
          .containsExactly("greeting");
      assertThat(viewer.listResources().resources()).extracting(McpSchema.Resource::uri)
          .containsExactly("doc://public/readme");
      assertThat(promptText(viewer, "greeting")).isEqualTo("prompt greeting");
      assertThat(readText(viewer, "doc://public/readme")).isEqualTo("contents of doc://public/readme");
      // The manager sees both, sorted (the server registered them in another order).
      manager.initialize();
      assertThat(manager.listPrompts().prompts()).extracting(McpSchema.Prompt::name)
          .containsExactly("greeting", "secret_prompt");
      assertThat(manager.listResources().resources()).extracting(McpSchema.Resource::uri)
          .containsExactly("doc://private/salaries", "doc://public/readme");
      assertThat(readText(manager, "doc://private/salaries"))
          .isEqualTo("contents of doc://private/salaries");
    }
  }

  @Test
  void forbiddenPromptAndResourceAre403AndTheHandlerNeverRuns() {
    int prompts = count("prompt:secret_prompt");
    int reads = count("resource:doc://private/salaries");
    try (McpSyncClient viewer = legacy(alice)) {
      viewer.initialize();
      assertRefused(() -> viewer.getPrompt(new McpSchema.GetPromptRequest("secret_prompt", Map.of())),
          403);
      assertRefused(() -> viewer.readResource(
          new McpSchema.ReadResourceRequest("doc://private/salaries")), 403);
      assertRefused(() -> viewer.subscribeResource(
          new McpSchema.SubscribeRequest("doc://private/salaries")), 403);
      // The session is still good for what the viewer may do.
      assertThat(promptText(viewer, "greeting")).isEqualTo("prompt greeting");
    }
    assertThat(count("prompt:secret_prompt")).isEqualTo(prompts);
    assertThat(count("resource:doc://private/salaries")).isEqualTo(reads);
  }

  /**
   * The refusal has the shape of a legacy forbidden {@code tools/call}: 403 {@code
   * insufficient_scope}, the challenge naming the prompt or resource, decided before any session
   * is looked at; a URI that cannot stand in the challenge is 400; nothing ran.
   */
  @Test
  void refusalHasTheLegacyToolCallShape() throws IOException {
    int reads = count("resource:doc://private/salaries");
    RawHttp.Response prompt = post(alice, request(5, "prompts/get", Map.of("name", "secret_prompt")));
    assertThat(prompt.status()).isEqualTo(403);
    assertThat(prompt.header("WWW-Authenticate")).startsWith("Bearer error=\"insufficient_scope\"")
        .contains("scope=\"prompt:secret_prompt\"");
    assertThat(JSON.readTree(prompt.body()).path("error").asString()).isEqualTo("insufficient_scope");
    RawHttp.Response tool = post(alice, AuthFixture.toolCall("add"));
    assertThat(tool.status()).isEqualTo(prompt.status());
    assertThat(JSON.readTree(tool.body()).path("error").asString()).isEqualTo("insufficient_scope");

    RawHttp.Response read = post(alice, request(6, "resources/read",
        Map.of("uri", "doc://private/salaries")));
    assertThat(read.status()).isEqualTo(403);
    assertThat(read.header("WWW-Authenticate")).contains("scope=\"resource:doc://private/salaries\"");
    assertThat(post(alice, request(7, "resources/subscribe", Map.of("uri", "doc://private/salaries")))
        .status()).isEqualTo(403);
    assertThat(post(alice, request(8, "resources/read", Map.of("uri", "doc://public/\"x"))).status())
        .isEqualTo(400);
    assertThat(post(alice, request(9, "prompts/get", Map.of())).status()).isEqualTo(400);
    // Completing an argument of a forbidden prompt is using that prompt.
    RawHttp.Response completion = post(alice, request(10, "completion/complete", Map.of(
        "ref", Map.of("type", "ref/prompt", "name", "secret_prompt"),
        "argument", Map.of("name", "topic", "value", "a"))));
    assertThat(completion.status()).isEqualTo(403);
    assertThat(completion.header("WWW-Authenticate")).contains("scope=\"prompt:secret_prompt\"");
    assertThat(count("resource:doc://private/salaries")).isEqualTo(reads);
  }

  /** One caller, both generations, the same answers. */
  @Test
  void theSameCallerGetsTheSameAnswersOnBothGenerations() {
    for (RealCa.Identity who : List.of(alice, carol)) {
      SSLContext tls = ca.clientContext(who);
      io.modelcontextprotocol.modern.client.McpSyncClient modern = modern(tls);
      try (McpSyncClient legacy = legacy(who)) {
        legacy.initialize();
        List<String> legacyPrompts = legacy.listPrompts().prompts().stream()
            .map(McpSchema.Prompt::name).toList();
        List<String> modernPrompts = modern.prompts().list().prompts().stream()
            .map(io.modelcontextprotocol.modern.McpSchema.Prompt::name).toList();
        List<String> legacyUris = legacy.listResources().resources().stream()
            .map(McpSchema.Resource::uri).toList();
        List<String> modernUris = modern.resources().list().resources().stream()
            .map(io.modelcontextprotocol.modern.McpSchema.Resource::uri).toList();
        assertThat(legacyPrompts).as(who.certificate().getSubjectX500Principal().getName()).isEqualTo(modernPrompts).isNotEmpty();
        assertThat(legacyUris).as(who.certificate().getSubjectX500Principal().getName()).isEqualTo(modernUris).isNotEmpty();

        // Every prompt and resource the server has: allowed on both or refused on both.
        List<String> answers = new ArrayList<>();
        for (String name : TestServer.PROMPTS) {
          String onLegacy = outcome(() -> promptText(legacy, name));
          String onModern = outcome(() -> ((io.modelcontextprotocol.modern.McpSchema.TextContent)
              modern.prompt(name).get().messages().get(0).content()).text());
          assertThat(onLegacy).as("%s prompt %s", who, name).isEqualTo(onModern);
          answers.add(onLegacy);
        }
        for (String uri : TestServer.RESOURCES) {
          String onLegacy = outcome(() -> readText(legacy, uri));
          String onModern = outcome(() -> ((io.modelcontextprotocol.modern.McpSchema
              .TextResourceContents) modern.resource(uri).read().contents().get(0)).text());
          assertThat(onLegacy).as("%s resource %s", who, uri).isEqualTo(onModern);
          answers.add(onLegacy);
        }
        assertThat(answers).as("%s: the outcomes are not all refusals", who).contains(
            "prompt greeting", "contents of doc://public/readme");
        if (who == alice) {
          assertThat(answers).contains("refused");
        } else {
          assertThat(answers).doesNotContain("refused");
        }
      }
    }
  }

  /**
   * {@code notifications/resources/updated} reaches a subscriber only while it may read the URI:
   * a subscription outlives a policy change that withdraws the grant, the notification does not.
   * Raw, to see exactly what the listening stream carries.
   */
  @Test
  void resourceUpdatedIsNotSentOnceTheGrantIsWithdrawn() throws Exception {
    SSLContext tls = ca.clientContext(carol);
    String session = initialize(tls);
    for (String uri : TestServer.RESOURCES) {
      try (RawHttp raw = RawHttp.connect(tls, server.port())) {
        RawHttp.Response subscribed = raw.exchange(RawHttp.request("POST", "/mcp",
            sessionHeaders(session), request(20, "resources/subscribe", Map.of("uri", uri))));
        assertThat(subscribed.status()).isEqualTo(200);
        assertThat(raw.readEvent()).contains("\"result\"");
      }
    }
    Map<String, String> get = sessionHeaders(session);
    get.put("Accept", "text/event-stream");
    get.remove("Content-Type");
    try (RawHttp listening = RawHttp.connect(tls, server.port())) {
      listening.send(RawHttp.request("GET", "/mcp", get, null));
      assertThat(listening.readHead().status()).isEqualTo(200);
      server.mcp.notifyResourcesUpdated(
          new McpSchema.ResourcesUpdatedNotification("doc://private/salaries"));
      assertThat(listening.readEvent()).contains("notifications/resources/updated")
          .contains("doc://private/salaries");

      // The manager loses doc://private/*; its subscription stays in the SDK.
      String withdrawn = AuthFixture.POLICY.replace("resource_uris: [\"doc://*\"]",
          "resource_uris: [\"doc://public/*\"]");
      assertThat(withdrawn).isNotEqualTo(AuthFixture.POLICY);
      Files.writeString(policy, withdrawn);
      try {
        assertThat(AuthFixture.eventually(Duration.ofSeconds(10), () -> !server.auth.policy()
            .current().mayReadResource(MANAGER, "doc://private/salaries"))).isTrue();
        server.mcp.notifyResourcesUpdated(
            new McpSchema.ResourcesUpdatedNotification("doc://private/salaries"));
        server.mcp.notifyResourcesUpdated(
            new McpSchema.ResourcesUpdatedNotification("doc://public/readme"));
        // Events arrive in order: the next update is the readme's, the salaries' was never sent
        // (the reload's tools/list_changed may come first; it names nothing).
        String event = listening.readEvent();
        while (event != null && event.contains("notifications/tools/list_changed")) {
          event = listening.readEvent();
        }
        assertThat(event).contains("doc://public/readme").doesNotContain("salaries");
      } finally {
        Files.writeString(policy, AuthFixture.POLICY);
        AuthFixture.eventually(Duration.ofSeconds(10), () -> server.auth.policy().current()
            .mayReadResource(MANAGER, "doc://private/salaries"));
      }
    }
  }

  private static String initialize(SSLContext tls) throws IOException {
    try (RawHttp raw = RawHttp.connect(tls, server.port())) {
      RawHttp.Response init = raw.exchange(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(null),
          request(1, "initialize", Map.of("protocolVersion", LEGACY_VERSION, "capabilities",
              Map.of(), "clientInfo", Map.of("name", "raw", "version", "1")))));
      assertThat(init.status()).isEqualTo(200);
      String session = init.header("Mcp-Session-Id");
      RawHttp.Response initialized = raw.exchange(RawHttp.request("POST", "/mcp",
          sessionHeaders(session),
          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}"));
      assertThat(initialized.status()).isEqualTo(202);
      return session;
    }
  }

  private static Map<String, String> sessionHeaders(String session) {
    Map<String, String> headers = RawHttp.mcpHeaders(session);
    headers.put("MCP-Protocol-Version", LEGACY_VERSION);
    return headers;
  }

  private interface Outcome {
    String get() throws Exception;
  }

  /** The text an action returned, or "refused". */
  private static String outcome(Outcome action) {
    try {
      return action.get();
    } catch (Exception e) {
      return "refused";
    }
  }

  private static McpSyncClient legacy(RealCa.Identity who) {
    // The SDK's legacy client negotiates 2025-11-25 and then sends it as MCP-Protocol-Version.
    return client(server.port(), ca.clientContext(who));
  }

  private static io.modelcontextprotocol.modern.client.McpSyncClient modern(SSLContext tls) {
    return io.modelcontextprotocol.modern.client.McpClient.sync(
            io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport
                .builder("https://localhost:" + server.port() + "/mcp")
                .customizeClient(b -> b.sslContext(tls))
                .connectTimeout(Duration.ofSeconds(10))
                .build())
        .callTimeout(Duration.ofSeconds(30)).build();
  }

  private static String promptText(McpSyncClient client, String name) {
    return ((McpSchema.TextContent) client.getPrompt(new McpSchema.GetPromptRequest(name, Map.of()))
        .messages().get(0).content()).text();
  }

  private static String readText(McpSyncClient client, String uri) {
    return ((McpSchema.TextResourceContents) client.readResource(
        new McpSchema.ReadResourceRequest(uri)).contents().get(0)).text();
  }

  private static int count(String key) {
    return server.calls.getOrDefault(key, new AtomicInteger()).get();
  }

  private static String request(int id, String method, Map<String, Object> params) {
    return JSON.writeValueAsString(Map.of("jsonrpc", "2.0", "id", id, "method", method,
        "params", params));
  }

  private static RawHttp.Response post(RealCa.Identity who, String body) throws IOException {
    Map<String, String> headers = AuthFixture.mcpHeaders(Map.of("MCP-Protocol-Version",
        LEGACY_VERSION));
    return AuthFixture.exchange(ca.clientContext(who), server.port(), "POST", "/mcp", headers, body);
  }
}
