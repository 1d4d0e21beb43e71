package io.gatehouse.transport.mcp;

import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.ProtocolVersionStage;
import io.modelcontextprotocol.common.McpTransportContext;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Keys of the {@link McpTransportContext} every tool handler receives through {@code
 * exchange.transportContext()}; the transport sets them on every initialize, request,
 * notification, response and delete.
 */
public final class McpContextKeys {
  /** The authenticated {@link Principal} of the request. */
  public static final String PRINCIPAL = "gatehouse.principal";

  /** The peer's {@link java.net.InetSocketAddress}. */
  public static final String REMOTE_ADDRESS = "gatehouse.remote_address";

  /** The MCP protocol revision of the request ({@code MCP-Protocol-Version}, or its default). */
  public static final String PROTOCOL_VERSION = "gatehouse.protocol_version";

  private McpContextKeys() {}

  /** The context of {@code request} by {@code principal}: the one place both generations build it. */
  public static McpTransportContext forRequest(GatehouseRequest request, Principal principal) {
    Map<String, Object> values = new HashMap<>();
    values.put(PRINCIPAL, principal);
    if (request.remoteAddress() != null) {
      values.put(REMOTE_ADDRESS, request.remoteAddress());
    }
    String version = request.attr(ProtocolVersionStage.VERSION).get();
    values.put(PROTOCOL_VERSION, version == null ? ProtocolVersionStage.DEFAULT_VERSION : version);
    return McpTransportContext.create(values);
  }

  /** The principal in {@code context}, if any. */
  public static Optional<Principal> principal(McpTransportContext context) {
    return context.get(PRINCIPAL) instanceof Principal p ? Optional.of(p) : Optional.empty();
  }
}
