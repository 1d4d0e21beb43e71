package io.gatehouse.bench.support;

import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Map;

/** The cheap tool every e2e target serves: {@code echo} returns its {@code text} argument. */
public final class EchoTool {
  /** The tool name. */
  public static final String NAME = "echo";

  private EchoTool() {}

  /** The tool specification for the SDK's sync server. */
  public static SyncToolSpecification spec() {
    return SyncToolSpecification.builder()
        .tool(McpSchema.Tool.builder(NAME, Map.of("type", "object",
            "properties", Map.of("text", Map.of("type", "string")))).description("echo").build())
        .callHandler((exchange, request) -> McpSchema.CallToolResult.builder()
            .addTextContent(String.valueOf(request.arguments().get("text"))).build())
        .build();
  }
}
