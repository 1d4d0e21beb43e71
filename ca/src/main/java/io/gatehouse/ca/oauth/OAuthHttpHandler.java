package io.gatehouse.ca.oauth;

import io.gatehouse.ca.http.HttpsPeer;
import io.gatehouse.ca.http.WorkerHttpHandler;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.concurrent.EventExecutor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Routes the authorization server's paths on the HTTPS listener: the RFC 8414 metadata, {@code
 * /jwks.json} and {@code POST /token}. Every other request goes on down the pipeline (EST). The
 * token endpoint runs on the connection's worker executor, never on the event loop.
 */
public final class OAuthHttpHandler extends WorkerHttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(OAuthHttpHandler.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final TokenEndpoint endpoint;
  private final byte[] jwks;

  /** A handler answering from {@code endpoint} on {@code worker}; {@code jwks} is the public JWK set. */
  public OAuthHttpHandler(TokenEndpoint endpoint, byte[] jwks, EventExecutor worker) {
    super(worker);
    this.endpoint = endpoint;
    this.jwks = jwks;
  }

  @Override
  protected boolean handles(FullHttpRequest request) {
    String path = path(request);
    return path.equals(TokenEndpoint.TOKEN_PATH) || path.equals(TokenEndpoint.JWKS_PATH)
        || endpoint.metadataPaths().contains(path);
  }

  @Override
  protected FullHttpResponse busy() {
    return error(HttpResponseStatus.SERVICE_UNAVAILABLE, "temporarily_unavailable", "busy, retry later");
  }

  @Override
  protected void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
    // One exchange per connection, as on the rest of this listener.
    sendAndClose(ctx, respond(ctx, request));
  }

  private FullHttpResponse respond(ChannelHandlerContext ctx, FullHttpRequest request) {
    try {
      if (request.decoderResult().isFailure()) {
        return error(HttpResponseStatus.BAD_REQUEST, "invalid_request", "bad request");
      }
      String path = path(request);
      HttpMethod method = request.method();
      if (path.equals(TokenEndpoint.TOKEN_PATH)) {
        if (!HttpMethod.POST.equals(method)) {
          return notAllowed("POST");
        }
        // RFC 6749 §3.2: credentials and parameters travel in the body, never in the query.
        if (request.uri().indexOf('?') >= 0) {
          return error(HttpResponseStatus.BAD_REQUEST, "invalid_request", "parameters belong in the body, not the URL");
        }
        try {
          TokenEndpoint.Issued issued = endpoint.token(HttpsPeer.certificates(ctx),
              request.headers().get(HttpHeaderNames.CONTENT_TYPE), ByteBufUtil.getBytes(request.content()),
              HttpsPeer.source(ctx));
          return json(HttpResponseStatus.OK, issued.json());
        } catch (OAuthError e) {
          return error(HttpResponseStatus.valueOf(e.status()), e.code(), e.getMessage());
        }
      }
      if (!HttpMethod.GET.equals(method)) {
        return notAllowed("GET");
      }
      if (path.equals(TokenEndpoint.JWKS_PATH)) {
        FullHttpResponse response = body(HttpResponseStatus.OK, "application/jwk-set+json", jwks);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "max-age=300");
        return response;
      }
      FullHttpResponse response = body(HttpResponseStatus.OK, "application/json", endpoint.metadata());
      response.headers().set(HttpHeaderNames.CACHE_CONTROL, "max-age=300");
      return response;
    } catch (RuntimeException e) {
      LOG.warn("internal error answering {} {}: {}", request.method(), path(request), e.toString());
      return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "server_error", "internal error");
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.fireExceptionCaught(cause);
  }

  /** RFC 6749 §5.1/§5.2: token answers and errors are JSON and never cached. */
  private static FullHttpResponse json(HttpResponseStatus status, byte[] json) {
    FullHttpResponse response = body(status, "application/json", json);
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    response.headers().set(HttpHeaderNames.PRAGMA, "no-cache");
    return response;
  }

  private static FullHttpResponse error(HttpResponseStatus status, String code, String description) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", code);
    // RFC 6749 §5.2: error_description is printable ASCII without '"' and '\'.
    body.put("error_description", description.replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "?"));
    return json(status, JSON.writeValueAsBytes(body));
  }

  private static FullHttpResponse notAllowed(String allow) {
    FullHttpResponse response = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "invalid_request",
        "method not allowed: use " + allow);
    response.headers().set(HttpHeaderNames.ALLOW, allow);
    return response;
  }
}
