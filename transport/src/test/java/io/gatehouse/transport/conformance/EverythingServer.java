package io.gatehouse.transport.conformance;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Content;
import io.modelcontextprotocol.spec.McpSchema.EmbeddedResource;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A port of the conformance suite's own fixture, {@code examples/servers/typescript/
 * everything-server.ts} of {@code @modelcontextprotocol/conformance} 0.1.16: the tools, resources,
 * prompts, completion and logging the 2025-11-25 server scenarios call by name, with the texts
 * they check. Transport-neutral: {@link #build} completes any SDK server specification, so the
 * same fixture runs on the Gatehouse transport and on the SDK's own servlet transport.
 */
public final class EverythingServer {
  /** A 1x1 red PNG (the fixture's {@code TEST_IMAGE_BASE64}). */
  static final String PNG =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
  /** A minimal WAV file (the fixture's {@code TEST_AUDIO_BASE64}). */
  static final String WAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";
  private static final Map<String, Object> NO_ARGUMENTS =
      Map.of("type", "object", "properties", Map.of());
  private static final Pattern TEMPLATE = Pattern.compile("test://template/([^/]+)/data");
  /** The fixture's completion candidates for {@code test_prompt_with_arguments}. */
  private static final List<String> COMPLETIONS = List.of("paris", "park", "party");

  private EverythingServer() {}

  /** Adds the fixture's features to {@code spec} and builds the server. */
  public static McpSyncServer build(McpServer.SyncSpecification<?> spec) {
    configure(spec);
    return spec.build();
  }

  /** Adds the fixture's features to {@code spec} (for {@code Gatehouse.server(..).mcp(..)}). */
  public static void configure(McpServer.SyncSpecification<?> spec) {
    spec.serverInfo("mcp-conformance-test-server", "1.0.0")
        .capabilities(McpSchema.ServerCapabilities.builder()
            .tools(true)
            .resources(true, true)
            .prompts(true)
            .logging()
            .completions()
            .build())
        .requestTimeout(Duration.ofSeconds(30))
        .tools(tools())
        .resources(resources())
        .resourceTemplates(resourceTemplates())
        .prompts(prompts())
        .completions(completions());
  }

  /**
   * The tools that need no server-to-client request (sampling, elicitation, logging, progress) on
   * the MCP 2026-07-28 path: each legacy handler's result converted to the modern schema through
   * JSON, so both paths answer the same; plus the 0.2.0 everything-server's SEP-2322 tools
   * ({@link InputRequiredTools}). The others are not ported yet (docs/conformance.md).
   */
  public static List<McpSyncTool> modernTools() {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    List<McpSyncTool> tools = tools().stream()
        .filter(spec -> !NEEDS_EXCHANGE.contains(spec.tool().name()))
        .map(spec -> {
          var tool = io.modelcontextprotocol.modern.McpSchema.Tool
              .builder(spec.tool().name(), json.convertValue(spec.tool().inputSchema(), Map.class))
              .description(spec.tool().description()).build();
          return McpSyncTool.of(tool, (context, request) -> {
            CallToolResult legacy = spec.callHandler().apply(null,
                CallToolRequest.builder(request.name()).arguments(
                    request.arguments() == null ? Map.of() : request.arguments()).build());
            return McpSyncResponse.result(json.convertValue(legacy,
                io.modelcontextprotocol.modern.McpSchema.CallToolResult.class));
          });
        })
        .collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new));
    tools.addAll(InputRequiredTools.tools());
    tools.add(customHeaderTool(json));
    return List.copyOf(tools);
  }

  /**
   * A SEP-2243 tool: its string argument {@code region} is mirrored in the {@code Mcp-Param-Region}
   * header ({@code x-mcp-header}), which {@code http-custom-header-server-validation} probes.
   */
  private static McpSyncTool customHeaderTool(McpJsonMapper json) {
    var tool = io.modelcontextprotocol.modern.McpSchema.Tool.builder("test_custom_header",
        Map.of("type", "object", "properties",
            Map.of("region", Map.of("type", "string", "x-mcp-header", "Region")),
            "required", List.of("region")))
        .description("SEP-2243: echoes its region, also sent as the Mcp-Param-Region header").build();
    return McpSyncTool.of(tool, (context, request) -> McpSyncResponse.result(json.convertValue(
        Map.of("content", List.of(Map.of("type", "text", "text",
            "Region: " + request.arguments().get("region")))),
        io.modelcontextprotocol.modern.McpSchema.CallToolResult.class)));
  }

  /**
   * The fixture's prompts as an MCP 2026-07-28 repository, converted through JSON like {@link
   * #modernTools}; Gatehouse filters it per caller ({@code Gatehouse.Builder.modernPrompts}).
   */
  public static io.modelcontextprotocol.modern.server.feature.McpSyncPromptRepository modernPrompts() {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    List<SyncPromptSpecification> prompts = prompts();
    var inputRequired = InputRequiredTools.prompt();
    return new io.modelcontextprotocol.modern.server.feature.McpSyncPromptRepository() {
      @Override
      public io.modelcontextprotocol.modern.server.feature.PromptsPage list(
          io.modelcontextprotocol.modern.server.McpRequestContext context, String cursor) {
        return io.modelcontextprotocol.modern.server.feature.PromptsPage.of(prompts.stream()
            .map(p -> json.convertValue(p.prompt(), io.modelcontextprotocol.modern.McpSchema.Prompt.class))
            .collect(java.util.stream.Collectors.collectingAndThen(
                java.util.stream.Collectors.toCollection(java.util.ArrayList::new), all -> {
                  all.add(inputRequired.definition());
                  return all;
                })));
      }

      @Override
      public io.modelcontextprotocol.modern.server.feature.McpSyncPrompt find(
          io.modelcontextprotocol.modern.server.McpRequestContext context, String name) {
        if (inputRequired.definition().name().equals(name)) {
          return inputRequired;
        }
        return prompts.stream().filter(p -> p.prompt().name().equals(name)).findFirst()
            .map(p -> io.modelcontextprotocol.modern.server.feature.McpSyncPrompt.of(
                json.convertValue(p.prompt(), io.modelcontextprotocol.modern.McpSchema.Prompt.class),
                (ctx, request) -> McpSyncResponse.result(json.convertValue(
                    p.promptHandler().apply(null, json.convertValue(request, McpSchema.GetPromptRequest.class)),
                    io.modelcontextprotocol.modern.McpSchema.GetPromptResult.class))))
            .orElse(null);
      }
    };
  }

  /**
   * The fixture's static resources as an MCP 2026-07-28 repository, like {@link #modernPrompts}.
   * (Templates, completion and subscriptions are not ported yet.)
   */
  public static io.modelcontextprotocol.modern.server.feature.McpSyncResourceRepository modernResources() {
    McpJsonMapper json = McpJsonDefaults.getMapper();
    List<SyncResourceSpecification> resources = resources();
    return new io.modelcontextprotocol.modern.server.feature.McpSyncResourceRepository() {
      @Override
      public io.modelcontextprotocol.modern.server.feature.ResourcesPage list(
          io.modelcontextprotocol.modern.server.McpRequestContext context, String cursor) {
        return io.modelcontextprotocol.modern.server.feature.ResourcesPage.of(resources.stream()
            .map(r -> json.convertValue(r.resource(), io.modelcontextprotocol.modern.McpSchema.Resource.class))
            .toList());
      }

      @Override
      public io.modelcontextprotocol.modern.server.feature.McpSyncResource find(
          io.modelcontextprotocol.modern.server.McpRequestContext context, String uri) {
        return resources.stream().filter(r -> r.resource().uri().equals(uri)).findFirst()
            .map(r -> io.modelcontextprotocol.modern.server.feature.McpSyncResource.of(
                (ctx, request) -> McpSyncResponse.result(json.convertValue(
                    r.readHandler().apply(null, json.convertValue(request, McpSchema.ReadResourceRequest.class)),
                    io.modelcontextprotocol.modern.McpSchema.ReadResourceResult.class))))
            .orElse(null);
      }
    };
  }

  /** The fixture tools that call back to the client through the legacy exchange. */
  private static final java.util.Set<String> NEEDS_EXCHANGE = java.util.Set.of(
      "test_tool_with_logging", "test_tool_with_progress", "test_sampling", "test_elicitation",
      "test_elicitation_sep1034_defaults", "test_elicitation_sep1330_enums");

  private static List<SyncToolSpecification> tools() {
    return List.of(
        tool("test_simple_text", "Tests simple text content response", NO_ARGUMENTS,
            (exchange, request) -> ok(text("This is a simple text response for testing."))),
        tool("test_image_content", "Tests image content response", NO_ARGUMENTS,
            (exchange, request) -> ok(ImageContent.builder(PNG, "image/png").build())),
        tool("test_audio_content", "Tests audio content response", NO_ARGUMENTS,
            (exchange, request) -> ok(McpSchema.AudioContent.builder(WAV, "audio/wav").build())),
        tool("test_embedded_resource", "Tests embedded resource content response", NO_ARGUMENTS,
            (exchange, request) -> ok(embedded("test://embedded-resource", "text/plain",
                "This is an embedded resource content."))),
        tool("test_multiple_content_types",
            "Tests response with multiple content types (text, image, resource)", NO_ARGUMENTS,
            (exchange, request) -> ok(text("Multiple content types test:"),
                ImageContent.builder(PNG, "image/png").build(),
                embedded("test://mixed-content-resource", "application/json",
                    "{\"test\":\"data\",\"value\":123}"))),
        tool("test_tool_with_logging", "Tests tool that emits log messages during execution",
            NO_ARGUMENTS, EverythingServer::withLogging),
        tool("test_tool_with_progress", "Tests tool that reports progress notifications",
            NO_ARGUMENTS, EverythingServer::withProgress),
        tool("test_error_handling", "Tests error response handling", NO_ARGUMENTS,
            (exchange, request) -> CallToolResult.builder()
                .content(List.of(text("This tool intentionally returns an error for testing")))
                .isError(true).build()),
        // SEP-1699: the TypeScript fixture closes its SSE stream mid-call; Gatehouse has no event
        // store to resume from (docs/conformance.md), so the call simply completes.
        tool("test_reconnection", "Tests SSE stream disconnection and client reconnection (SEP-1699)",
            NO_ARGUMENTS, (exchange, request) -> {
              pause(100);
              return ok(text("Reconnection test completed successfully. If you received this, the"
                  + " client properly reconnected after stream closure."));
            }),
        tool("test_sampling", "Tests server-initiated sampling (LLM completion request)",
            stringArgument("prompt", "The prompt to send to the LLM"), EverythingServer::sampling),
        tool("test_elicitation", "Tests server-initiated elicitation (user input request)",
            stringArgument("message", "The message to show the user"), (exchange, request) ->
                elicit(exchange, String.valueOf(request.arguments().get("message")),
                    Map.of("type", "object",
                        "properties", Map.of("response",
                            Map.of("type", "string", "description", "User's response")),
                        "required", List.of("response")),
                    "User response")),
        tool("test_elicitation_sep1034_defaults", "Tests elicitation with default values per SEP-1034",
            NO_ARGUMENTS, (exchange, request) -> elicit(exchange,
                "Please review and update the form fields with defaults", sep1034Schema(),
                "Elicitation completed")),
        tool("test_elicitation_sep1330_enums",
            "Tests elicitation with enum schema improvements per SEP-1330", NO_ARGUMENTS,
            (exchange, request) -> elicit(exchange, "Please select options from the enum fields",
                sep1330Schema(), "Elicitation completed")),
        tool("json_schema_2020_12_tool",
            "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
            jsonSchema202012(), (exchange, request) -> ok(text(
                "JSON Schema 2020-12 tool called with: " + request.arguments()))));
  }

  private static CallToolResult withLogging(McpSyncServerExchange exchange, CallToolRequest request) {
    List<String> steps =
        List.of("Tool execution started", "Tool processing data", "Tool execution completed");
    for (int i = 0; i < steps.size(); i++) {
      if (i > 0) {
        pause(50);
      }
      exchange.loggingNotification(
          LoggingMessageNotification.builder(LoggingLevel.INFO, steps.get(i)).build());
    }
    return ok(text("Tool with logging executed successfully"));
  }

  private static CallToolResult withProgress(McpSyncServerExchange exchange, CallToolRequest request) {
    Object token = request.progressToken() == null ? 0 : request.progressToken();
    for (int step : new int[] {0, 50, 100}) {
      if (step > 0) {
        pause(50);
      }
      exchange.progressNotification(ProgressNotification.builder(token, step).total(100.0)
          .message("Completed step " + step + " of 100").build());
    }
    return ok(text(String.valueOf(token)));
  }

  private static CallToolResult sampling(McpSyncServerExchange exchange, CallToolRequest request) {
    try {
      McpSchema.CreateMessageResult result = exchange.createMessage(
          McpSchema.CreateMessageRequest.builder(List.of(McpSchema.SamplingMessage.builder(
              Role.USER, text(String.valueOf(request.arguments().get("prompt")))).build()), 100)
              .build());
      String response = result.content() instanceof TextContent t ? t.text() : "No response";
      return ok(text("LLM response: " + response));
    } catch (RuntimeException e) {
      return ok(text("Sampling not supported or error: " + e.getMessage()));
    }
  }

  private static CallToolResult elicit(McpSyncServerExchange exchange, String message,
      Map<String, Object> schema, String prefix) {
    try {
      McpSchema.ElicitResult result = exchange.createElicitation(
          McpSchema.ElicitFormRequest.builder(message, schema).build());
      return ok(text(prefix + ": action=" + result.action().name().toLowerCase(java.util.Locale.ROOT)
          + ", content=" + (result.content() == null ? Map.of() : result.content())));
    } catch (RuntimeException e) {
      return ok(text("Elicitation not supported or error: " + e.getMessage()));
    }
  }

  private static Map<String, Object> sep1034Schema() {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("name", Map.of("type", "string", "description", "User name", "default", "John Doe"));
    properties.put("age", Map.of("type", "integer", "description", "User age", "default", 30));
    properties.put("score", Map.of("type", "number", "description", "User score", "default", 95.5));
    properties.put("status", Map.of("type", "string", "description", "User status",
        "enum", List.of("active", "inactive", "pending"), "default", "active"));
    properties.put("verified",
        Map.of("type", "boolean", "description", "Verification status", "default", true));
    return Map.of("type", "object", "properties", properties, "required", List.of());
  }

  private static Map<String, Object> sep1330Schema() {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("untitledSingle", Map.of("type", "string", "description", "Select one option",
        "enum", List.of("option1", "option2", "option3")));
    properties.put("titledSingle", Map.of("type", "string",
        "description", "Select one option with titles", "oneOf", List.of(
            Map.of("const", "value1", "title", "First Option"),
            Map.of("const", "value2", "title", "Second Option"),
            Map.of("const", "value3", "title", "Third Option"))));
    properties.put("legacyEnum", Map.of("type", "string", "description", "Select one option (legacy)",
        "enum", List.of("opt1", "opt2", "opt3"),
        "enumNames", List.of("Option One", "Option Two", "Option Three")));
    properties.put("untitledMulti", Map.of("type", "array", "description", "Select multiple options",
        "minItems", 1, "maxItems", 3,
        "items", Map.of("type", "string", "enum", List.of("option1", "option2", "option3"))));
    properties.put("titledMulti", Map.of("type", "array",
        "description", "Select multiple options with titles", "minItems", 1, "maxItems", 3,
        "items", Map.of("anyOf", List.of(
            Map.of("const", "value1", "title", "First Choice"),
            Map.of("const", "value2", "title", "Second Choice"),
            Map.of("const", "value3", "title", "Third Choice")))));
    return Map.of("type", "object", "properties", properties, "required", List.of());
  }

  private static Map<String, Object> jsonSchema202012() {
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("$schema", McpSchema.JSON_SCHEMA_DIALECT_2020_12);
    schema.put("type", "object");
    schema.put("$defs", Map.of("address", Map.of("type", "object", "properties",
        Map.of("street", Map.of("type", "string"), "city", Map.of("type", "string")))));
    schema.put("properties",
        Map.of("name", Map.of("type", "string"), "address", Map.of("$ref", "#/$defs/address")));
    schema.put("additionalProperties", false);
    return schema;
  }

  private static List<SyncResourceSpecification> resources() {
    return List.of(
        resource("test://static-text", "static-text", "Static Text Resource",
            "A static text resource for testing", "text/plain",
            TextResourceContents.builder("test://static-text",
                "This is the content of the static text resource.").mimeType("text/plain").build()),
        resource("test://static-binary", "static-binary", "Static Binary Resource",
            "A static binary resource (image) for testing", "image/png",
            McpSchema.BlobResourceContents.builder("test://static-binary", PNG)
                .mimeType("image/png").build()),
        resource("test://watched-resource", "watched-resource", "Watched Resource",
            "A resource that auto-updates every 3 seconds", "text/plain",
            TextResourceContents.builder("test://watched-resource", "Watched resource content")
                .mimeType("text/plain").build()));
  }

  private static SyncResourceSpecification resource(String uri, String name, String title,
      String description, String mimeType, McpSchema.ResourceContents contents) {
    return new SyncResourceSpecification(
        McpSchema.Resource.builder(uri, name).title(title).description(description)
            .mimeType(mimeType).build(),
        (exchange, request) -> ReadResourceResult.builder(List.of(contents)).build());
  }

  private static List<SyncResourceTemplateSpecification> resourceTemplates() {
    return List.of(new SyncResourceTemplateSpecification(
        McpSchema.ResourceTemplate.builder("test://template/{id}/data", "template")
            .title("Resource Template")
            .description("A resource template with parameter substitution")
            .mimeType("application/json").build(),
        (exchange, request) -> {
          Matcher m = TEMPLATE.matcher(request.uri());
          String id = m.matches() ? m.group(1) : "";
          return ReadResourceResult.builder(List.of(TextResourceContents.builder(request.uri(),
              "{\"id\":\"" + id + "\",\"templateTest\":true,\"data\":\"Data for ID: " + id + "\"}")
              .mimeType("application/json").build())).build();
        }));
  }

  private static List<SyncPromptSpecification> prompts() {
    return List.of(
        prompt(McpSchema.Prompt.builder("test_simple_prompt").title("Simple Test Prompt")
                .description("A simple prompt without arguments").arguments(List.of()).build(),
            request -> List.of(user(text("This is a simple prompt for testing.")))),
        prompt(McpSchema.Prompt.builder("test_prompt_with_arguments").title("Prompt With Arguments")
                .description("A prompt with required arguments").arguments(List.of(
                    argument("arg1", "First test argument"),
                    argument("arg2", "Second test argument"))).build(),
            request -> List.of(user(text("Prompt with arguments: arg1='"
                + request.arguments().get("arg1") + "', arg2='" + request.arguments().get("arg2")
                + "'")))),
        prompt(McpSchema.Prompt.builder("test_prompt_with_embedded_resource")
                .title("Prompt With Embedded Resource")
                .description("A prompt that includes an embedded resource")
                .arguments(List.of(argument("resourceUri", "URI of the resource to embed"))).build(),
            request -> List.of(
                user(embedded(String.valueOf(request.arguments().get("resourceUri")), "text/plain",
                    "Embedded resource content for testing.")),
                user(text("Please process the embedded resource above.")))),
        prompt(McpSchema.Prompt.builder("test_prompt_with_image").title("Prompt With Image")
                .description("A prompt that includes image content").arguments(List.of()).build(),
            request -> List.of(user(ImageContent.builder(PNG, "image/png").build()),
                user(text("Please analyze the image above.")))));
  }

  private static List<SyncCompletionSpecification> completions() {
    return List.of(new SyncCompletionSpecification(
        new McpSchema.PromptReference("test_prompt_with_arguments"),
        (exchange, request) -> {
          String prefix = request.argument() == null ? "" : request.argument().value();
          List<String> values = COMPLETIONS.stream()
              .filter(v -> prefix == null || v.startsWith(prefix)).toList();
          return new McpSchema.CompleteResult(
              new McpSchema.CompleteResult.CompleteCompletion(values, values.size(), false));
        }));
  }

  private static SyncToolSpecification tool(String name, String description,
      Map<String, Object> inputSchema,
      BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
    return SyncToolSpecification.builder()
        .tool(McpSchema.Tool.builder(name, inputSchema).description(description).build())
        .callHandler(handler)
        .build();
  }

  private static Map<String, Object> stringArgument(String name, String description) {
    return Map.of("type", "object",
        "properties", Map.of(name, Map.of("type", "string", "description", description)),
        "required", List.of(name));
  }

  private static SyncPromptSpecification prompt(McpSchema.Prompt prompt,
      java.util.function.Function<McpSchema.GetPromptRequest, List<PromptMessage>> messages) {
    return new SyncPromptSpecification(prompt,
        (exchange, request) -> GetPromptResult.builder(messages.apply(request)).build());
  }

  private static McpSchema.PromptArgument argument(String name, String description) {
    return McpSchema.PromptArgument.builder(name).description(description).required(true).build();
  }

  private static PromptMessage user(Content content) {
    return PromptMessage.builder(Role.USER, content).build();
  }

  private static TextContent text(String text) {
    return TextContent.builder(text).build();
  }

  private static EmbeddedResource embedded(String uri, String mimeType, String text) {
    return EmbeddedResource.builder(
        TextResourceContents.builder(uri, text).mimeType(mimeType).build()).build();
  }

  private static CallToolResult ok(Content... content) {
    return CallToolResult.builder().content(List.of(content)).isError(false).build();
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
