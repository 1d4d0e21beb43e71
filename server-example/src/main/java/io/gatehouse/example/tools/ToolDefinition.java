package io.gatehouse.example.tools;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import tools.jackson.databind.json.JsonMapper;

/**
 * One tool: its name, description, input schema, whether it only reads, and its handler. Turns a
 * handler's plain result into a CallToolResult with structured content and the same JSON as text
 * (for clients that only read text), and a {@link ToolError} into an {@code isError} result.
 */
public record ToolDefinition(
    String name, String description, Schema input, boolean readOnly, Handler handler) {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The work a tool does with validated arguments and the caller's identity. */
  @FunctionalInterface
  public interface Handler {
    Object handle(Args args, String caller);
  }

  /** The SDK specification, resolving the caller with {@code callers}. */
  public SyncToolSpecification toSpecification(CallerResolver callers) {
    Tool tool =
        Tool.builder(name, input.toMap())
            .description(description)
            .annotations(
                ToolAnnotations.builder()
                    .readOnlyHint(readOnly)
                    .destructiveHint(false)
                    .idempotentHint(readOnly)
                    .openWorldHint(false)
                    .build())
            .build();
    return SyncToolSpecification.builder()
        .tool(tool)
        .callHandler((exchange, request) -> call(exchange, request.arguments(), callers))
        .build();
  }

  private CallToolResult call(
      McpSyncServerExchange exchange, java.util.Map<String, Object> arguments,
      CallerResolver callers) {
    try {
      return result(handler.handle(new Args(arguments), callers.caller(exchange)));
    } catch (ToolError e) {
      return CallToolResult.builder().isError(true).addTextContent(e.getMessage()).build();
    }
  }

  /**
   * The same tool for MCP 2026-07-28 (the SDK's modern API): same name, schema, annotations and
   * handler, the caller resolved from the request's transport context with {@code callers}.
   */
  public McpSyncTool toModernTool(ContextCallerResolver callers) {
    io.modelcontextprotocol.modern.McpSchema.Tool tool =
        io.modelcontextprotocol.modern.McpSchema.Tool.builder(name, input.toMap())
            .description(description)
            .annotations(io.modelcontextprotocol.modern.McpSchema.ToolAnnotations.builder()
                .readOnlyHint(readOnly)
                .destructiveHint(false)
                .idempotentHint(readOnly)
                .openWorldHint(false)
                .build())
            .build();
    return McpSyncTool.of(tool, (context, request) -> {
      try {
        return McpSyncResponse.result(modernResult(handler.handle(new Args(request.arguments()),
            callers.caller(context.transportContext()))));
      } catch (ToolError e) {
        return McpSyncResponse.result(modernError(e.getMessage()));
      }
    });
  }

  /** {@code value} as structured content and as JSON text, for the modern API. */
  static io.modelcontextprotocol.modern.McpSchema.CallToolResult modernResult(Object value) {
    return io.modelcontextprotocol.modern.McpSchema.CallToolResult.builder()
        .structuredContent(value)
        .addContent(io.modelcontextprotocol.modern.McpSchema.TextContent
            .builder(JSON.writeValueAsString(value)).build())
        .build();
  }

  /** An {@code isError} result, for the modern API. */
  static io.modelcontextprotocol.modern.McpSchema.CallToolResult modernError(String message) {
    return io.modelcontextprotocol.modern.McpSchema.CallToolResult.builder()
        .isError(true)
        .addContent(io.modelcontextprotocol.modern.McpSchema.TextContent.builder(message).build())
        .build();
  }

  /** {@code value} as structured content, and the same JSON as text. */
  static CallToolResult result(Object value) {
    return CallToolResult.builder()
        .structuredContent(value)
        .addTextContent(JSON.writeValueAsString(value))
        .build();
  }

  /** Finds who is calling from a request's transport context (both protocol generations). */
  @FunctionalInterface
  public interface ContextCallerResolver {
    String caller(McpTransportContext context);
  }

  /** Finds who is calling, from the transport context the server put on the exchange. */
  @FunctionalInterface
  public interface CallerResolver {
    String caller(McpSyncServerExchange exchange);
  }
}
