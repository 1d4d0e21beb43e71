package io.gatehouse.transport.http;

import io.modelcontextprotocol.modern.McpHttp;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.transport.McpHeaderDecoder;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.json.JsonFactory;

/**
 * What decides the generation of a request and what its request metadata headers say. A request
 * is modern when {@code MCP-Protocol-Version} is {@link #VERSION}; then {@code Mcp-Method} and,
 * for {@code tools/call}, {@code resources/read} and {@code prompts/get}, {@code Mcp-Name} are
 * required exactly once, and authorization reads them instead of the body. The body is checked
 * against them before the SDK sees it ({@link #mismatch}), so what was authorized is what runs.
 */
public final class ModernProtocol {
  /** The stateless protocol revision. */
  public static final String VERSION = "2026-07-28";
  /** An id longer than this is not echoed (JSON-RPC ids are short; the answer stays small). */
  private static final int MAX_ECHOED_ID_CHARS = 256;
  private static final JsonFactory JSON = JsonFactory.builder().build();

  private ModernProtocol() {}

  /** True when the version stage accepted {@link #VERSION} for {@code request}. */
  public static boolean isModern(GatehouseRequest request) {
    return VERSION.equals(request.attr(ProtocolVersionStage.VERSION).get());
  }

  /** True when the request carries an {@code Mcp-Method} header: a client of the modern era. */
  public static boolean looksModern(GatehouseRequest request) {
    return request.headers().contains(McpHttp.Headers.MCP_METHOD);
  }

  /** The decoded {@code Mcp-Method}; empty when absent, repeated or malformed. */
  public static Optional<String> method(GatehouseRequest request) {
    return single(request, McpHttp.Headers.MCP_METHOD);
  }

  /** The decoded {@code Mcp-Name} (Base64 sentinel form handled); empty when absent, repeated or malformed. */
  public static Optional<String> name(GatehouseRequest request) {
    return single(request, McpHttp.Headers.MCP_NAME);
  }

  /**
   * The method authorization decides on: {@code Mcp-Method} on the modern path (the body is not
   * parsed), the body's method on the legacy path.
   */
  public static Optional<String> authorizedMethod(GatehouseRequest request) {
    return isModern(request) ? method(request) : request.jsonRpcMethod();
  }

  /** The tool a {@code tools/call} names: {@code Mcp-Name} on the modern path, the body's otherwise. */
  public static Optional<String> authorizedToolName(GatehouseRequest request) {
    if (!isModern(request)) {
      return request.toolName();
    }
    return method(request).filter(McpSchema.METHOD_TOOLS_CALL::equals).flatMap(m -> name(request));
  }

  /**
   * The JSON-RPC id of the request body, for an error answer given before (or instead of) the
   * body reaching the SDK: JSON-RPC answers with the request's id, and with null only when it
   * cannot be read. Only the top level is scanned (nested values are skipped unread, nothing is
   * built), and only an id that is a string of at most {@value #MAX_ECHOED_ID_CHARS} characters
   * or an integer is returned; anything else (malformed JSON, a batch, no id, another type) is
   * null.
   */
  public static Object requestId(GatehouseRequest request) {
    if (!HttpMethod.POST.equals(request.method()) || !request.content().isReadable()) {
      return null;
    }
    try (InputStream in = new io.netty.buffer.ByteBufInputStream(request.content().duplicate());
        JsonParser parser = JSON.createParser(tools.jackson.core.ObjectReadContext.empty(), in)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Object id = null;
      boolean seen = false;
      for (JsonToken t = parser.nextToken(); t == JsonToken.PROPERTY_NAME; t = parser.nextToken()) {
        String property = parser.currentName();
        JsonToken value = parser.nextToken();
        if (!"id".equals(property)) {
          parser.skipChildren();
          continue;
        }
        if (seen) {
          return null; // two ids: which one a reader takes is not defined
        }
        seen = true;
        if (value == JsonToken.VALUE_STRING) {
          String text = parser.getString();
          id = text.length() <= MAX_ECHOED_ID_CHARS ? text : null;
        } else if (value == JsonToken.VALUE_NUMBER_INT) {
          id = parser.getNumberValue();
        } else {
          parser.skipChildren();
        }
      }
      return id;
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Checks the metadata headers alone, before authentication reads the body: {@code Mcp-Method}
   * once, and {@code Mcp-Name} once for the methods that name a primitive, each well-formed.
   *
   * @return a 400 HeaderMismatch response, or empty when the headers are usable
   */
  public static Optional<FullHttpResponse> checkHeaders(GatehouseRequest request) {
    List<String> methods = request.headers().getAll(McpHttp.Headers.MCP_METHOD);
    if (methods.isEmpty()) {
      // Without Mcp-Method the body decides nothing here; the endpoint answers 400 for a request.
      return Optional.of(headerMismatch(requestId(request), "Missing required header: Mcp-Method"));
    }
    String method = method(request).orElse(null);
    if (method == null) {
      return Optional.of(headerMismatch(requestId(request),
          "Mcp-Method must appear once, well-formed"));
    }
    if (namesPrimitive(method) && name(request).isEmpty()) {
      return Optional.of(headerMismatch(requestId(request),
          "Mcp-Name must appear once, well-formed, for this method"));
    }
    return Optional.empty();
  }

  /**
   * Compares the parsed body with the headers authorization used.
   *
   * @return why they disagree, or null when they agree
   */
  public static String mismatch(GatehouseRequest request, String bodyMethod, Object params) {
    String method = method(request).orElse(null);
    if (method == null || !method.equals(bodyMethod)) {
      return "Mcp-Method header does not match the request method";
    }
    if (params instanceof Map<?, ?> map && map.get("_meta") instanceof Map<?, ?> meta
        && meta.get(McpSchema.MetaKeys.PROTOCOL_VERSION) instanceof String version
        && !VERSION.equals(version)) {
      return "MCP-Protocol-Version header does not match _meta protocol version";
    }
    String nameKey = nameKey(bodyMethod);
    if (nameKey == null) {
      return null;
    }
    Object bodyName = params instanceof Map<?, ?> map ? map.get(nameKey) : null;
    if (!(bodyName instanceof String) || !bodyName.equals(name(request).orElse(null))) {
      return "Mcp-Name header does not match the request's " + nameKey;
    }
    return null;
  }

  /** A 400 HeaderMismatch JSON-RPC error answering request {@code id}. */
  public static FullHttpResponse headerMismatch(Object id, String message) {
    return ModernErrors.response(id, McpSchema.ErrorCodes.HEADER_MISMATCH, message, null);
  }

  private static boolean namesPrimitive(String method) {
    return nameKey(method) != null;
  }

  private static String nameKey(String method) {
    return switch (method) {
      case McpSchema.METHOD_TOOLS_CALL, McpSchema.METHOD_PROMPTS_GET -> "name";
      case McpSchema.METHOD_RESOURCES_READ -> "uri";
      default -> null;
    };
  }

  private static Optional<String> single(GatehouseRequest request, String header) {
    List<String> values = request.headers().getAll(header);
    if (values.size() != 1) {
      // A proxy reading another of several values would authorize something else.
      return Optional.empty();
    }
    String decoded;
    try {
      decoded = McpHeaderDecoder.decodeValue(values.get(0).trim());
    } catch (RuntimeException e) {
      return Optional.empty();
    }
    return decoded == null || decoded.isEmpty() ? Optional.empty() : Optional.of(decoded);
  }
}
