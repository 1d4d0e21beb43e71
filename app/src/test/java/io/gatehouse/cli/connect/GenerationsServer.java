package io.gatehouse.cli.connect;

import io.gatehouse.example.config.ServerConfig;
import io.gatehouse.example.tools.ExampleTools;
import io.gatehouse.transport.server.Gatehouse;
import io.gatehouse.transport.server.GatehouseServer;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncPrompt;
import io.modelcontextprotocol.modern.server.feature.McpSyncPromptRepository;
import io.modelcontextprotocol.modern.server.feature.McpSyncResource;
import io.modelcontextprotocol.modern.server.feature.McpSyncResourceRepository;
import io.modelcontextprotocol.modern.server.feature.PromptsPage;
import io.modelcontextprotocol.modern.server.feature.ResourcesPage;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A real Gatehouse server for the bridge's generation tests: the demo's configuration (its CA,
 * policy, OCSP, JWT keys) on a free port, the example tools plus one resource and one prompt,
 * served on both generations ({@link #both}) or on 2025-xx only ({@link #legacyOnly}).
 */
final class GenerationsServer implements AutoCloseable {
  static final String RESOURCE_URI = "gatehouse://example/readme";
  static final String RESOURCE_TEXT = "Gatehouse example: call whoami to see your roles.";
  static final String PROMPT = "greeting";

  private final GatehouseServer server;

  private GenerationsServer(GatehouseServer server) {
    this.server = server;
  }

  /**
   * The demo's policy plus the grants 2026-07-28 needs for the prompt and the resource (policy
   * {@code prompts} / {@code resource_uris}, docs/authorization.md), for every role through staff.
   */
  static Path policy(Path demoPolicy, Path copy) throws java.io.IOException {
    String policy = java.nio.file.Files.readString(demoPolicy);
    String staff = "    tools: [whoami]\n";
    if (!policy.contains(staff)) {
      throw new IllegalStateException("the demo policy changed: no staff role with tools: [whoami]");
    }
    java.nio.file.Files.writeString(copy, policy.replace(staff, staff + "    prompts: [" + PROMPT + "]\n"
        + "    resource_uris: [\"gatehouse://example/*\"]\n"));
    return copy;
  }

  static GenerationsServer both(Path demoConfig, Path policy) {
    return start(demoConfig, true, Map.of("GATEHOUSE_SERVER_PORT", "0", "GATEHOUSE_AUTH_POLICY_FILE", policy.toString()));
  }

  static GenerationsServer legacyOnly(Path demoConfig, Path policy) {
    return start(demoConfig, false, Map.of("GATEHOUSE_SERVER_PORT", "0", "GATEHOUSE_AUTH_POLICY_FILE", policy.toString()));
  }

  /**
   * Certificates requested (and bound to tokens) but not identities by themselves: only a bearer
   * token whose {@code cnf} matches the connection's certificate is admitted, the setting of a
   * TLS-terminating path (docs/authentication.md). {@code port} is fixed because the token's
   * audience is the server's URL, which must be known before it starts.
   */
  static GenerationsServer tokenOnly(Path demoConfig, int port) {
    return start(demoConfig, true, Map.of("GATEHOUSE_SERVER_PORT", String.valueOf(port),
        "GATEHOUSE_AUTH_CERTIFICATE_ENABLED", "false",
        "GATEHOUSE_SERVER_TLS_CLIENT_AUTH", "optional",
        "GATEHOUSE_AUTH_RESOURCE", "https://localhost:" + port + "/mcp"));
  }

  private static GenerationsServer start(Path demoConfig, boolean modern, Map<String, String> env) {
    ServerConfig config = ServerConfig.load(demoConfig, env);
    ExampleTools example = new ExampleTools();
    Gatehouse.Builder builder = Gatehouse.server(config.server())
        .tools(example.specifications())
        .mcp(spec -> spec.serverInfo("generations-test", "1")
            .capabilities(McpSchema.ServerCapabilities.builder().tools(true).resources(false, true).prompts(true).build())
            .resources(resource())
            .prompts(prompt()));
    if (modern) {
      builder.modernTools(example.modernTools())
          .modernPrompts(modernPrompts())
          .modernResources(modernResources())
          .modern(m -> m.serverInfo(io.modelcontextprotocol.modern.McpSchema.Implementation
              .builder("generations-test", "1").build()));
    }
    return new GenerationsServer(builder.start());
  }

  String mcpUrl() {
    return "https://localhost:" + server.port() + "/mcp";
  }

  @Override
  public void close() {
    server.close();
  }

  private static SyncResourceSpecification resource() {
    return new SyncResourceSpecification(
        McpSchema.Resource.builder(RESOURCE_URI, "readme").description("What this server is").mimeType("text/plain").build(),
        (exchange, request) -> McpSchema.ReadResourceResult.builder(List.of(
            McpSchema.TextResourceContents.builder(RESOURCE_URI, RESOURCE_TEXT).mimeType("text/plain").build())).build());
  }

  private static SyncPromptSpecification prompt() {
    return new SyncPromptSpecification(
        McpSchema.Prompt.builder(PROMPT).description("Greets someone").arguments(List.of(
            McpSchema.PromptArgument.builder("name").description("Who").required(true).build())).build(),
        (exchange, request) -> McpSchema.GetPromptResult.builder(List.of(McpSchema.PromptMessage.builder(
            McpSchema.Role.USER, McpSchema.TextContent.builder("Hello, " + request.arguments().get("name") + "!").build())
            .build())).build());
  }

  /** The same prompt on 2026-07-28, converted through JSON so both paths answer alike. */
  private static McpSyncPromptRepository modernPrompts() {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    SyncPromptSpecification prompt = prompt();
    return new McpSyncPromptRepository() {
      @Override
      public PromptsPage list(io.modelcontextprotocol.modern.server.McpRequestContext context, String cursor) {
        return PromptsPage.of(List.of(json.convertValue(prompt.prompt(), io.modelcontextprotocol.modern.McpSchema.Prompt.class)));
      }

      @Override
      public McpSyncPrompt find(io.modelcontextprotocol.modern.server.McpRequestContext context, String name) {
        if (!PROMPT.equals(name)) {
          return null;
        }
        return McpSyncPrompt.of(json.convertValue(prompt.prompt(), io.modelcontextprotocol.modern.McpSchema.Prompt.class),
            (ctx, request) -> McpSyncResponse.result(json.convertValue(
                prompt.promptHandler().apply(null, json.convertValue(request, McpSchema.GetPromptRequest.class)),
                io.modelcontextprotocol.modern.McpSchema.GetPromptResult.class)));
      }
    };
  }

  /** The same resource on 2026-07-28. */
  private static McpSyncResourceRepository modernResources() {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    SyncResourceSpecification resource = resource();
    return new McpSyncResourceRepository() {
      @Override
      public ResourcesPage list(io.modelcontextprotocol.modern.server.McpRequestContext context, String cursor) {
        return ResourcesPage.of(List.of(json.convertValue(resource.resource(), io.modelcontextprotocol.modern.McpSchema.Resource.class)));
      }

      @Override
      public McpSyncResource find(io.modelcontextprotocol.modern.server.McpRequestContext context, String uri) {
        if (!RESOURCE_URI.equals(uri)) {
          return null;
        }
        return McpSyncResource.of((ctx, request) -> McpSyncResponse.result(json.convertValue(
            resource.readHandler().apply(null, json.convertValue(request, McpSchema.ReadResourceRequest.class)),
            io.modelcontextprotocol.modern.McpSchema.ReadResourceResult.class)));
      }
    };
  }
}
