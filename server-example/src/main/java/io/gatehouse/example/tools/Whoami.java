package io.gatehouse.example.tools;

import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.mcp.context.McpContextKeys;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code whoami} tool, and the one place tools learn who calls them: the {@link Principal}
 * the transport's authentication stage put into the request's transport context.
 */
public final class Whoami {
  /** The tool's name. */
  public static final String NAME = "whoami";

  /** Resolves the caller of write tools to its principal id (a SPIFFE ID, {@code iss#sub}, key id). */
  public static final ToolDefinition.CallerResolver CALLER = exchange -> principal(exchange).id();

  private static final String DESCRIPTION = "Who am I? Returns the caller's identity as this"
      + " server sees it: principal id, roles, how it authenticated (certificate, jwt, api_key)"
      + " and the credential id (certificate serial, token id or API-key id).";

  private Whoami() {}

  /**
   * The caller of {@code exchange}. The transport sets a principal on every request; its absence
   * is a wiring fault and refuses the call rather than running it for nobody.
   */
  public static Principal principal(McpSyncServerExchange exchange) {
    return McpContextKeys.principal(exchange.transportContext())
        .orElseThrow(() -> new ToolError("no authenticated caller"));
  }

  /** Resolves the caller of write tools from a transport context (the modern path's handlers). */
  public static final ToolDefinition.ContextCallerResolver CONTEXT_CALLER = context ->
      McpContextKeys.principal(context).orElseThrow(() -> new ToolError("no authenticated caller"))
          .id();

  /** {@code whoami} for MCP 2026-07-28: the same answer from the same transport-context key. */
  public static McpSyncTool modernTool() {
    io.modelcontextprotocol.modern.McpSchema.Tool tool =
        io.modelcontextprotocol.modern.McpSchema.Tool.builder(NAME, Schema.object().toMap())
            .description(DESCRIPTION)
            .annotations(io.modelcontextprotocol.modern.McpSchema.ToolAnnotations.builder()
                .readOnlyHint(true).destructiveHint(false).idempotentHint(true)
                .openWorldHint(false).build())
            .build();
    return McpSyncTool.of(tool, (context, request) -> McpSyncResponse.result(
        McpContextKeys.principal(context.transportContext())
            .map(p -> ToolDefinition.modernResult(describe(p)))
            .orElseGet(() -> ToolDefinition.modernError("no authenticated caller"))));
  }

  /** The tool: principal id, roles, authentication method and credential id of the caller. */
  public static SyncToolSpecification specification() {
    Tool tool = Tool.builder(NAME, Schema.object().toMap())
        .description(DESCRIPTION)
        .annotations(ToolAnnotations.builder().readOnlyHint(true).destructiveHint(false)
            .idempotentHint(true).openWorldHint(false).build())
        .build();
    return SyncToolSpecification.builder()
        .tool(tool)
        .callHandler((exchange, request) ->
            McpContextKeys.principal(exchange.transportContext())
                .map(p -> ToolDefinition.result(describe(p)))
                .orElseGet(() -> CallToolResult.builder().isError(true)
                    .addTextContent("no authenticated caller").build()))
        .build();
  }

  /** The JSON shape {@code whoami} returns. */
  static Map<String, Object> describe(Principal p) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("principal", p.id());
    out.put("roles", new TreeSet<>(p.roles()));
    out.put("auth_method", p.method().name().toLowerCase(Locale.ROOT));
    out.put("credential_id", p.credentialId());
    return out;
  }
}
