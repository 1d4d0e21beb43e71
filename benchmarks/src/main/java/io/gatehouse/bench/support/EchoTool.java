package io.gatehouse.bench.support;

import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Map;

/** The cheap tool every e2e target serves: {@code echo} returns its {@code text} argument. */
public final class EchoTool {
  /** The tool name. */
  public static final String NAME = "echo";

  private static final Map<String, Object> INPUT_SCHEMA = Map.of("type", "object",
      "properties", Map.of("text", Map.of("type", "string")));

  private EchoTool() {}

  /** The tool specification for the SDK's sync server (2025-xx revisions). */
  public static SyncToolSpecification spec() {
    return SyncToolSpecification.builder()
        .tool(McpSchema.Tool.builder(NAME, INPUT_SCHEMA).description("echo").build())
        .callHandler((exchange, request) -> McpSchema.CallToolResult.builder()
            .addTextContent(String.valueOf(request.arguments().get("text"))).build())
        .build();
  }

  /** The same tool for the SDK's 2026-07-28 server. */
  public static McpSyncTool modernSpec() {
    return McpSyncTool.of(modernDefinition(),
        (context, request) -> McpSyncResponse.result(modernResult(request)));
  }

  /**
   * The same tool as an asynchronous 2026-07-28 tool: it never blocks, so Gatehouse runs it on
   * the event loop with no thread hop, as the SDK's servlet transport runs {@link #modernSpec()}
   * on the request's own thread (docs/benchmarks.md).
   */
  public static io.modelcontextprotocol.modern.server.feature.McpAsyncTool modernAsyncSpec() {
    return io.modelcontextprotocol.modern.server.feature.McpAsyncTool.of(modernDefinition(),
        (context, request) -> reactor.core.publisher.Mono.just(
            io.modelcontextprotocol.modern.server.McpAsyncResponse.result(modernResult(request))));
  }

  private static io.modelcontextprotocol.modern.McpSchema.Tool modernDefinition() {
    return io.modelcontextprotocol.modern.McpSchema.Tool.builder(NAME, INPUT_SCHEMA)
        .description("echo").build();
  }

  private static io.modelcontextprotocol.modern.McpSchema.CallToolOutcome modernResult(
      io.modelcontextprotocol.modern.McpSchema.CallToolRequest request) {
    return io.modelcontextprotocol.modern.McpSchema.CallToolResult.builder()
        .addContent(io.modelcontextprotocol.modern.McpSchema.TextContent
            .builder(String.valueOf(request.arguments().get("text"))).build())
        .build();
  }
}
