package io.gatehouse.transport.mcp.modern;

import io.gatehouse.transport.http.GatehouseRequest;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.JsonRpc;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads a 2026-07-28 request body into the SDK's JSON-RPC message in one parse. The SDK's {@code
 * JsonRpc.deserializeMessage} reads the text into maps and then converts those maps into the
 * record in a second pass; here a body of plain ASCII (what clients send) is read from its bytes
 * into the maps once and a well-formed request or notification is built from them directly, with
 * the same record constructor and its checks. Anything else (non-ASCII bodies, which need the
 * strict UTF-8 decode; responses; fields of another type; a constructor check failing) goes the
 * SDK's way on the same text, so every refusal and its JSON-RPC id stay exactly the SDK's.
 */
final class ModernMessages {
  private ModernMessages() {}

  /** What the body is: a batch (refused by the caller), or one message. */
  record Read(boolean batch, JsonRpc.JSONRPCMessage message) {}

  private static final Read BATCH = new Read(true, null);

  /**
   * Reads {@code request}'s body.
   *
   * @throws IOException malformed JSON or malformed UTF-8 (a parse error)
   * @throws JsonRpc.InvalidMessageException not a JSON-RPC message (an invalid request)
   */
  static Read read(GatehouseRequest request, McpJsonMapper jsonMapper) throws IOException {
    ByteBuf content = request.content();
    // A NUL byte counts as non-ASCII: it goes the strict way, as before.
    boolean ascii = content.forEachByte(b -> b > 0) < 0;
    if (!ascii) {
      return sdkWay(request.strictUtf8Body(), jsonMapper);
    }
    byte[] body = ByteBufUtil.getBytes(content);
    if (startsWithArray(body)) {
      return BATCH;
    }
    if (jsonMapper.readValue(body, Object.class) instanceof Map<?, ?> map) {
      JsonRpc.JSONRPCMessage message = direct(map);
      if (message != null) {
        return new Read(false, message);
      }
    }
    return sdkWay(new String(body, StandardCharsets.US_ASCII), jsonMapper);
  }

  /** A request or notification from its map, or null where the SDK's way must decide. */
  private static JsonRpc.JSONRPCMessage direct(Map<?, ?> map) {
    if (!(map.get("jsonrpc") instanceof String version) || !(map.get("method") instanceof String method)) {
      return null;
    }
    Object params = map.get("params");
    try {
      if (!map.containsKey("id")) {
        return new JsonRpc.JSONRPCNotification(version, method, params);
      }
      Object id = map.get("id");
      // The record's own types; a converted Short/BigInteger/Double id is the SDK's to judge.
      if (!(id instanceof String || id instanceof Integer || id instanceof Long)) {
        return null;
      }
      return new JsonRpc.JSONRPCRequest(version, method, id, params);
    } catch (IllegalArgumentException e) {
      return null; // e.g. jsonrpc not "2.0": the SDK's way gives the same refusal with its id
    }
  }

  private static Read sdkWay(String body, McpJsonMapper jsonMapper) throws IOException {
    if (startsWithArray(body)) {
      return BATCH;
    }
    return new Read(false, JsonRpc.deserializeMessage(jsonMapper, body));
  }

  /** Whether the first non-whitespace character is {@code [} (a batch), without copying the body. */
  private static boolean startsWithArray(String body) {
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (!Character.isWhitespace(c)) {
        return c == '[';
      }
    }
    return false;
  }

  private static boolean startsWithArray(byte[] body) {
    for (byte b : body) {
      if (!Character.isWhitespace((char) b)) {
        return b == '[';
      }
    }
    return false;
  }
}
