package io.gatehouse.transport.http;

import io.modelcontextprotocol.modern.McpSchema.ErrorCodes;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Error responses of the modern path: a JSON-RPC error object with the HTTP status the
 * specification gives its code (docs/transport.md). Refusals written by the shared stages (401,
 * 403, 429, ...) keep their status and headers ({@code WWW-Authenticate}, {@code Retry-After})
 * and get the same JSON-RPC shape, with the OAuth error name in {@code error.data.error}.
 */
public final class ModernErrors {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** The statuses the specification gives its codes; any other code is answered with 200. */
  private static final Map<Integer, HttpResponseStatus> STATUSES = Map.of(
      ErrorCodes.PARSE_ERROR, HttpResponseStatus.BAD_REQUEST,
      ErrorCodes.INVALID_REQUEST, HttpResponseStatus.BAD_REQUEST,
      ErrorCodes.INVALID_PARAMS, HttpResponseStatus.BAD_REQUEST,
      ErrorCodes.HEADER_MISMATCH, HttpResponseStatus.BAD_REQUEST,
      ErrorCodes.MISSING_REQUIRED_CLIENT_CAPABILITY, HttpResponseStatus.BAD_REQUEST,
      ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION, HttpResponseStatus.BAD_REQUEST,
      ErrorCodes.METHOD_NOT_FOUND, HttpResponseStatus.NOT_FOUND);

  private ModernErrors() {}

  /** The HTTP status answering a JSON-RPC error {@code code}. */
  public static HttpResponseStatus status(int code) {
    return STATUSES.getOrDefault(code, HttpResponseStatus.OK);
  }

  /** A JSON-RPC error response for {@code code}, with its specification status. */
  public static FullHttpResponse response(Object id, int code, String message, Object data) {
    return response(status(code), id, code, message, data);
  }

  /**
   * The 400 UnsupportedProtocolVersionError, listing {@code supported}. The requested value is
   * not echoed (error bodies never repeat request data).
   */
  public static FullHttpResponse unsupportedVersion(Object id, List<String> supported) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("supported", supported);
    return response(id, ErrorCodes.UNSUPPORTED_PROTOCOL_VERSION,
        "Unsupported protocol version; supported: " + String.join(", ", supported), data);
  }

  /**
   * {@code refusal} (a transport error body {@code {"error", "error_description"}}) as a JSON-RPC
   * error with the same status and headers, answering request {@code id} (null when unknown);
   * released and replaced. A body of another shape is returned unchanged.
   */
  public static FullHttpResponse fromRefusal(FullHttpResponse refusal, Object id) {
    Map<?, ?> body;
    try {
      body = JSON.readValue(refusal.content().toString(StandardCharsets.UTF_8), Map.class);
    } catch (RuntimeException e) {
      return refusal;
    }
    if (!(body.get("error") instanceof String error) || body.containsKey("jsonrpc")) {
      return refusal;
    }
    Object description = body.get("error_description");
    int status = refusal.status().code();
    int code = status == 404 ? ErrorCodes.METHOD_NOT_FOUND
        : status >= 500 ? ErrorCodes.INTERNAL_ERROR : ErrorCodes.INVALID_REQUEST;
    FullHttpResponse converted = response(refusal.status(), id, code,
        description instanceof String d ? d : error, Map.of("error", error));
    refusal.headers().forEach(h -> {
      if (!h.getKey().equalsIgnoreCase("content-length")
          && !h.getKey().equalsIgnoreCase("content-type")) {
        converted.headers().add(h.getKey(), h.getValue());
      }
    });
    refusal.release();
    return converted;
  }

  private static FullHttpResponse response(HttpResponseStatus status, Object id, int code,
      String message, Object data) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code);
    error.put("message", message);
    if (data != null) {
      error.put("data", data);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("jsonrpc", "2.0");
    body.put("id", id);
    body.put("error", error);
    return HttpResponses.json(status, JSON.writeValueAsBytes(body));
  }
}
