package io.gatehouse.transport.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Builds the transport's complete responses. Error bodies are always {@code {"error": "...",
 * "error_description": "..."}}: no stack traces, no echo of request data.
 */
public final class HttpResponses {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private HttpResponses() {}

  /** A JSON error response; callers may add headers (e.g. {@code WWW-Authenticate}) before use. */
  public static FullHttpResponse error(
      HttpResponseStatus status, String error, String description) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("error_description", description);
    return json(status, JSON.writeValueAsBytes(body));
  }

  /** A response with a JSON body. */
  public static FullHttpResponse json(HttpResponseStatus status, byte[] body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return response;
  }

  /** A response without a body. */
  public static FullHttpResponse empty(HttpResponseStatus status) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
    return response;
  }

  /** {@code response} marked {@code Connection: close}: the connection ends after it is sent. */
  public static FullHttpResponse closing(FullHttpResponse response) {
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    return response;
  }
}
