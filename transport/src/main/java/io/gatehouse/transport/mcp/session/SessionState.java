package io.gatehouse.transport.mcp.session;

import io.modelcontextprotocol.spec.McpSchema;

/**
 * What a sealed session id carries: enough for any node to re-create the SDK session.
 *
 * @param owner the owning principal ({@code method:id})
 * @param protocolVersion the protocol version negotiated at {@code initialize}
 * @param capabilities the client's capabilities from {@code initialize}
 * @param clientInfo the client's name, title and version from {@code initialize}
 * @param issuedAt when {@code initialize} created the session, epoch seconds
 */
public record SessionState(
    String owner,
    String protocolVersion,
    McpSchema.ClientCapabilities capabilities,
    McpSchema.Implementation clientInfo,
    long issuedAt) {

  /** The {@code initialize} request that re-creates this session's SDK state. */
  public McpSchema.InitializeRequest initializeRequest() {
    return new McpSchema.InitializeRequest(protocolVersion, capabilities, clientInfo);
  }
}
