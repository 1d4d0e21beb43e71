package io.gatehouse.transport.mcp.context;

import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.ModernProtocol;
import io.gatehouse.transport.http.ProtocolVersionStage;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.modern.server.McpHeaders;
import io.modelcontextprotocol.modern.server.transport.McpHeaderDecoder;
import io.modelcontextprotocol.server.transport.HeaderAccessor;
import io.modelcontextprotocol.spec.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
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

  /**
   * The session's {@code Mcp-Session-Id} as the client sends it (the sealed id, the same on every
   * node; the SDK's {@code exchange.sessionId()} is this node's own), absent on initialize.
   */
  public static final String SESSION_ID = "gatehouse.session_id";

  private static final String MCP_NAME = "Mcp-Name";
  private static final String MCP_PARAM = "Mcp-Param-";

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
    if (ModernProtocol.VERSION.equals(version)) {
      // The SDK's x-mcp-header checks (SEP-2243: Mcp-Param-* against the arguments) read the
      // request's Mcp-* headers here, where its own servlet transport puts them.
      values.put(McpHeaders.TRANSPORT_CONTEXT_KEY, McpHeaderDecoder.headers(headerAccessor(request)));
    }
    String session = request.header(HttpHeaders.MCP_SESSION_ID);
    if (session != null) {
      // Legacy path only; seen by the SDK once the session was found for this principal.
      values.put(SESSION_ID, session);
    }
    return McpTransportContext.create(values);
  }

  /**
   * The request's headers as the SDK's decoder reads them, listing only the names it decodes
   * ({@code Mcp-Name}, {@code Mcp-Param-*}): copying every header name into a new set per request
   * was the largest cost of building this context (JFR, 2026-07-28 path).
   */
  private static HeaderAccessor headerAccessor(GatehouseRequest request) {
    io.netty.handler.codec.http.HttpHeaders headers = request.headers();
    return new HeaderAccessor() {
      @Override
      public List<String> getHeader(String name) {
        return headers.getAll(name);
      }

      @Override
      public List<String> getHeaderNames() {
        List<String> names = new ArrayList<>(2);
        Iterator<Map.Entry<CharSequence, CharSequence>> it = headers.iteratorCharSequence();
        while (it.hasNext()) {
          CharSequence name = it.next().getKey();
          if (decodedBySdk(name)) {
            names.add(name.toString());
          }
        }
        return names;
      }
    };
  }

  /** {@code Mcp-Name} or {@code Mcp-Param-*}, case-insensitively: the names McpHeaderDecoder reads. */
  static boolean decodedBySdk(CharSequence name) {
    return AsciiString.contentEqualsIgnoreCase(name, MCP_NAME)
        || (name.length() >= MCP_PARAM.length()
            && AsciiString.regionMatches(name, true, 0, MCP_PARAM, 0, MCP_PARAM.length()));
  }

  /** The principal in {@code context}, if any. */
  public static Optional<Principal> principal(McpTransportContext context) {
    return context.get(PRINCIPAL) instanceof Principal p ? Optional.of(p) : Optional.empty();
  }
}
