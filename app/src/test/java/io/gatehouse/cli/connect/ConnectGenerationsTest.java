package io.gatehouse.cli.connect;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.cli.demo.Demo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * The bridge between a 2025-xx host and each server generation, against real Gatehouse servers
 * over mutual TLS (the demo's CA, OCSP, policy): one serving 2026-07-28 beside 2025-xx (the bridge
 * then speaks 2026-07-28 to it) and one serving 2025-xx only (the bridge keeps a session). The
 * host sees the same answers from both: tools, resources, prompts, refusals and list changes.
 * Also {@code --token-from}: a certificate-bound token from the CA service's {@code POST /token}.
 */
class ConnectGenerationsTest {
  static final String MODERN_LOG = "the server speaks 2026-07-28";
  static final Duration SLOW_START = Duration.ofMinutes(2);

  @TempDir static Path work;
  static Demo demo;
  static Path certs;
  static GenerationsServer both;
  static GenerationsServer legacyOnly;
  static Path policy;

  @BeforeAll
  static void start() {
    certs = work.resolve("certs");
    StringWriter output = new StringWriter();
    demo = new Demo(new Demo.Options(certs, 0, 0, Map.of()), new PrintWriter(output, true));
    assertThat(demo.run().steps()).filteredOn(s -> s.number() <= 3).hasSize(3)
        .as(output.toString()).allMatch(Demo.Step::ok);
    try {
      policy = GenerationsServer.policy(demo.policyFile(), work.resolve("generations-policy.yaml"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    both = GenerationsServer.both(demo.serverConfigFile(), policy);
    legacyOnly = GenerationsServer.legacyOnly(demo.serverConfigFile(), policy);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {legacyOnly, both, demo}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  static String url(String generation) {
    return "modern".equals(generation) ? both.mcpUrl() : legacyOnly.mcpUrl();
  }

  static List<String> args(String url, String name) {
    return List.of("--url", url, "--cert", certs.resolve("clients/" + name + ".crt").toString(),
        "--key", certs.resolve("clients/" + name + ".key").toString(), "--ca", demo.layout().chain().toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"modern", "legacy"})
  void toolsResourcesPromptsAndRefusalsLookTheSameToA2025HostOnEitherGeneration(String generation) throws Exception {
    try (BridgeProcess bridge = new BridgeProcess(args(url(generation), "bob"))) {
      JsonNode init = bridge.initialize(SLOW_START);
      JsonNode result = init.path("result");
      assertThat(result.path("protocolVersion").asString("")).as(init.toString()).isEqualTo("2025-06-18");
      assertThat(result.path("capabilities").has("tools")).isTrue();
      assertThat(result.path("capabilities").has("resources")).isTrue();
      assertThat(result.path("capabilities").has("prompts")).isTrue();
      assertThat(result.path("serverInfo").path("name").asString("")).isEqualTo("generations-test");

      JsonNode tools = bridge.request(2, "tools/list", "{}").path("result");
      List<String> names = new ArrayList<>();
      tools.path("tools").forEach(t -> names.add(t.path("name").asString("")));
      assertThat(names).contains("whoami", "projects.create_task").doesNotContain("crm.get_customer");
      // 2026-07-28-only members never reach a 2025-xx host.
      assertThat(tools.has("cacheScope") || tools.has("ttlMs") || tools.has("resultType")).as(tools.toString()).isFalse();

      JsonNode who = bridge.request(3, "tools/call", "{\"name\":\"whoami\",\"arguments\":{}}");
      assertThat(who.path("result").path("structuredContent").path("principal").asString("")).as(who.toString())
          .endsWith("/client/bob");
      assertThat(who.path("result").path("structuredContent").path("auth_method").asString("")).isEqualTo("certificate");

      JsonNode forbidden = bridge.request(4, "tools/call",
          "{\"name\":\"crm.get_customer\",\"arguments\":{\"customer_id\":\"C-500\"}}");
      assertThat(forbidden.path("error").path("code").asInt()).as(forbidden.toString()).isEqualTo(Bridge.FORBIDDEN);
      assertThat(forbidden.path("error").path("message").asString(""))
          .isEqualTo("tool 'crm.get_customer' is not permitted for this certificate's roles");

      JsonNode resources = bridge.request(5, "resources/list", "{}");
      assertThat(resources.path("result").path("resources").toString()).as(resources.toString())
          .contains(GenerationsServer.RESOURCE_URI);
      JsonNode read = bridge.request(6, "resources/read", "{\"uri\":\"" + GenerationsServer.RESOURCE_URI + "\"}");
      assertThat(read.path("result").path("contents").get(0).path("text").asString("")).as(read.toString())
          .isEqualTo(GenerationsServer.RESOURCE_TEXT);

      JsonNode prompts = bridge.request(7, "prompts/list", "{}");
      assertThat(prompts.path("result").path("prompts").get(0).path("name").asString("")).as(prompts.toString())
          .isEqualTo(GenerationsServer.PROMPT);
      JsonNode prompt = bridge.request(8, "prompts/get", "{\"name\":\"greeting\",\"arguments\":{\"name\":\"Ada\"}}");
      assertThat(prompt.path("result").path("messages").get(0).path("content").path("text").asString(""))
          .as(prompt.toString()).isEqualTo("Hello, Ada!");

      assertThat(bridge.request(9, "ping", "{}").has("result")).isTrue();
      bridge.close();
      bridge.assertOnlyJsonRpc();
      if ("modern".equals(generation)) {
        assertThat(bridge.stderr.toString()).contains(MODERN_LOG);
      } else {
        assertThat(bridge.stderr.toString()).doesNotContain(MODERN_LOG);
      }
      assertThat(bridge.stderr.toString()).doesNotContain("PRIVATE KEY");
    }
  }

  /** On 2026-07-28 the list changes come from subscriptions/listen; the host gets 2025-xx notifications. */
  @ParameterizedTest
  @ValueSource(strings = {"modern", "legacy"})
  void aPolicyReloadReachesTheHostAsToolsListChanged(String generation) throws Exception {
    try (BridgeProcess bridge = new BridgeProcess(args(url(generation), "bob"))) {
      bridge.initialize(SLOW_START);
      assertThat(bridge.request(2, "tools/list", "{}").has("result")).isTrue();
      // The bridge opens its stream after notifications/initialized: touched until it is heard.
      JsonNode changed = bridge.awaitMethodPoking("notifications/tools/list_changed", Duration.ofSeconds(30),
          ConnectBridgeTest.POKE_EVERY, () -> Files.writeString(policy,
              "\n# touched by ConnectGenerationsTest " + generation + "\n", StandardOpenOption.APPEND));
      assertThat(changed.has("id")).isFalse();
      assertThat(changed.has("params")).as("no 2026-07-28 subscription metadata: " + changed).isFalse();
      bridge.close();
      bridge.assertOnlyJsonRpc();
    }
  }

  @Test
  void aMethodWithoutA2026PeerIsAClearMethodNotFound() throws Exception {
    try (BridgeProcess bridge = new BridgeProcess(args(both.mcpUrl(), "bob"))) {
      bridge.initialize(SLOW_START);
      JsonNode subscribe = bridge.request(2, "resources/subscribe", "{\"uri\":\"" + GenerationsServer.RESOURCE_URI + "\"}");
      assertThat(subscribe.path("error").path("code").asInt()).isEqualTo(Bridge.METHOD_NOT_FOUND);
      assertThat(subscribe.path("error").path("message").asString(""))
          .isEqualTo("'resources/subscribe' is not relayed to a 2026-07-28 server by gatehouse connect");
      // An unknown resource: the server's own JSON-RPC error, under the host's id.
      JsonNode missing = bridge.request(3, "resources/read", "{\"uri\":\"gatehouse://no/such\"}");
      assertThat(missing.has("error")).as(missing.toString()).isTrue();
      assertThat(missing.path("id").asInt()).isEqualTo(3);
      bridge.close();
      bridge.assertOnlyJsonRpc();
    }
  }

  /**
   * {@code --token-from} end to end: a server that requests certificates but does not take them as
   * identities (only certificate-bound JWTs from the CA), a CA service with that server's URL
   * registered as a resource, and the bridge fetching a token with its certificate (tls_client_auth)
   * and sending it on the mutual-TLS connection: whoami says {@code jwt}, for alice. Without
   * {@code --token-from} the same server refuses (401, readable). Nothing of the token on stderr.
   */
  @Test
  void tokenFromTheCaServiceIsBoundToTheCertificateAndAdmittedWhereOnlyTokensAre() throws Exception {
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      port = probe.getLocalPort();   // the audience must be known before the server starts
    }
    String tokenServerUrl = "https://localhost:" + port + "/mcp";
    char[] passphrase = Files.readString(demo.passphraseFile()).strip().toCharArray();
    try (GenerationsServer tokenOnly = GenerationsServer.tokenOnly(demo.serverConfigFile(), port);
        io.gatehouse.ca.authority.CertificateAuthority ca = io.gatehouse.ca.authority.CertificateAuthority.open(certs)) {
      var jwt = io.gatehouse.ca.token.JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase);
      try (var caService = io.gatehouse.ca.serve.CaService.start(ca, ca.unlock(passphrase), jwt,
          new io.gatehouse.ca.serve.CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
              new io.gatehouse.ca.serve.CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"),
                  io.gatehouse.ca.est.EstService.Limits.defaults(), List.of(tokenServerUrl))),
          java.time.Clock.systemUTC())) {
        String caUrl = "https://localhost:" + caService.httpsPort();
        List<String> withToken = new ArrayList<>(args(tokenServerUrl, "alice"));
        withToken.addAll(List.of("--token-from", caUrl));
        try (BridgeProcess bridge = new BridgeProcess(withToken)) {
          JsonNode init = bridge.initialize(SLOW_START);
          assertThat(init.has("result")).as(init + "\n" + bridge.stderr).isTrue();
          JsonNode who = bridge.request(2, "tools/call", "{\"name\":\"whoami\",\"arguments\":{}}");
          JsonNode identity = who.path("result").path("structuredContent");
          assertThat(identity.path("principal").asString("")).as(who + "\n" + bridge.stderr).endsWith("/client/alice");
          assertThat(identity.path("auth_method").asString("")).isEqualTo("jwt");
          bridge.close();
          bridge.assertOnlyJsonRpc();
          assertThat(bridge.stderr.toString()).contains("got an access token from " + caUrl + "/token")
              .doesNotContain("eyJ");   // no JWT in the log
        }
        // The certificate alone is no identity on this server: a readable 401.
        try (BridgeProcess bridge = new BridgeProcess(args(tokenServerUrl, "alice"))) {
          JsonNode init = bridge.initialize(SLOW_START);
          JsonNode call = init.has("error") ? init
              : bridge.request(2, "tools/call", "{\"name\":\"whoami\",\"arguments\":{}}");
          assertThat(call.path("error").path("code").asInt()).as(call.toString()).isEqualTo(Bridge.UNAUTHORIZED);
          bridge.close();
          bridge.assertOnlyJsonRpc();
        }
        // A resource the CA service does not know: POST /token refuses, and the host reads why.
        List<String> unknownResource = new ArrayList<>(args(both.mcpUrl(), "alice"));
        unknownResource.addAll(List.of("--token-from", caUrl));
        try (BridgeProcess bridge = new BridgeProcess(unknownResource)) {
          JsonNode init = bridge.initialize(SLOW_START);
          assertThat(init.path("error").path("code").asInt()).as(init.toString()).isEqualTo(Bridge.UNREACHABLE);
          assertThat(init.path("error").path("message").asString(""))
              .startsWith("no access token: the CA service refused (HTTP 400 invalid_target");
          assertThat(bridge.process.isAlive()).isTrue();
          bridge.close();
          bridge.assertOnlyJsonRpc();
        }
      }
    }
  }

  /** The MCP TypeScript SDK's StdioClientTransport through the bridge, once per server generation. */
  @ParameterizedTest
  @ValueSource(strings = {"modern", "legacy"})
  void typescriptSdkStdioClientSeesToolsResourcesPromptsAndTheForbiddenError(String generation) throws Exception {
    JsonNode report = ConnectBridgeTest.typescriptSdkClient(args(url(generation), "bob"));
    List<String> tools = new ArrayList<>();
    report.path("tools").forEach(t -> tools.add(t.asString()));
    assertThat(tools).as(report.toString()).contains("whoami", "projects.create_task").doesNotContain("crm.get_customer");
    assertThat(report.path("whoami").path("principal").asString("")).endsWith("/client/bob");
    assertThat(report.path("forbidden").path("code").asInt()).isEqualTo(Bridge.FORBIDDEN);
    assertThat(report.path("forbidden").path("message").asString(""))
        .contains("tool 'crm.get_customer' is not permitted");
    assertThat(report.path("resources").toString()).contains(GenerationsServer.RESOURCE_URI);
    assertThat(report.path("resourceText").asString("")).isEqualTo(GenerationsServer.RESOURCE_TEXT);
    assertThat(report.path("prompt").asString("")).isEqualTo("Hello, Ada!");
  }

  @Test
  void tokenFromMustBeHttps() throws Exception {
    List<String> args = new ArrayList<>(args(demo.mcpUrl(), "alice"));
    args.addAll(List.of("--token-from", "http://localhost:1"));
    Process process = new ProcessBuilder(BridgeProcess.command(args)).start();
    process.getOutputStream().close();
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).isNotZero();
    assertThat(stdout).isEmpty();
    assertThat(stderr).contains("--token-from must be the CA service's https:// URL");
  }
}
