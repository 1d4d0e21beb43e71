package io.gatehouse.transport.http;

import io.modelcontextprotocol.spec.HttpHeaders;
import io.modelcontextprotocol.spec.ProtocolVersions;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AttributeKey;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Checks {@code MCP-Protocol-Version} on the MCP endpoint: a revision the server does not speak
 * is a 400; an absent header means {@value #DEFAULT_VERSION}, as the specification says. The
 * accepted version is recorded in {@link #VERSION}. A modern-era request (one with {@code
 * Mcp-Method}) is refused with the JSON-RPC {@code UnsupportedProtocolVersionError} instead.
 */
public final class ProtocolVersionStage implements RequestStage {
  /** The version assumed when a request carries no header. */
  public static final String DEFAULT_VERSION = ProtocolVersions.MCP_2025_03_26;

  /** Request attribute holding the protocol version of an MCP request. */
  public static final AttributeKey<String> VERSION =
      AttributeKey.valueOf("gatehouse.mcp_protocol_version");

  private final String mcpPath;
  private final List<String> supported;

  public ProtocolVersionStage(String mcpPath, List<String> supported) {
    this.mcpPath = mcpPath;
    this.supported = List.copyOf(supported);
  }

  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    if (!request.path().equals(mcpPath)) {
      return StageResult.proceedNow();
    }
    List<String> values = request.headers().getAll(HttpHeaders.PROTOCOL_VERSION);
    if (values.isEmpty()) {
      request.attr(VERSION).set(DEFAULT_VERSION);
      return StageResult.proceedNow();
    }
    if (values.size() != 1 || !supported.contains(values.get(0).trim())) {
      if (ModernProtocol.looksModern(request)) {
        // A client of the stateless era (it sends Mcp-Method) reads JSON-RPC errors.
        return CompletableFuture.completedStage(
            StageResult.respond(
                ModernErrors.unsupportedVersion(ModernProtocol.requestId(request), supported)));
      }
      return StageResult.rejectNow(HttpResponseStatus.BAD_REQUEST,
          "unsupported_protocol_version",
          "MCP-Protocol-Version must be one of " + String.join(", ", supported));
    }
    request.attr(VERSION).set(values.get(0).trim());
    if (ModernProtocol.isModern(request)) {
      // Authorization reads Mcp-Method/Mcp-Name: they must be there, once, before it runs.
      return ModernProtocol.checkHeaders(request)
          .map(r -> CompletableFuture.completedStage(StageResult.respond(r)))
          .orElseGet(StageResult::proceedNow);
    }
    return StageResult.proceedNow();
  }
}
