package io.gatehouse.ca.admin;

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
 * Routes {@value AdminRevocation#PATH} on the HTTPS listener (never on the plain-HTTP one); every
 * other request goes on down the pipeline. Answers and errors are JSON ({@code {"error": code,
 * "message": line}}), never cached.
 */
public final class AdminHttpHandler extends WorkerHttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(AdminHttpHandler.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final AdminRevocation revocation;

  /** A handler answering from {@code revocation} on {@code worker}. */
  public AdminHttpHandler(AdminRevocation revocation, EventExecutor worker) {
    super(worker);
    this.revocation = revocation;
  }

  @Override
  protected boolean handles(FullHttpRequest request) {
    return path(request).equals(AdminRevocation.PATH);
  }

  @Override
  protected FullHttpResponse busy() {
    return error(new AdminError(503, "unavailable", "busy, retry later"));
  }

  @Override
  protected void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
    FullHttpResponse response;
    try {
      if (request.decoderResult().isFailure()) {
        response = error(AdminError.badRequest("bad request"));
      } else if (!HttpMethod.POST.equals(request.method())) {
        response = error(new AdminError(405, "method_not_allowed", "use POST"));
        response.headers().set(HttpHeaderNames.ALLOW, "POST");
      } else {
        response = json(HttpResponseStatus.OK, revocation.revoke(HttpsPeer.certificates(ctx),
            request.headers().get(HttpHeaderNames.CONTENT_TYPE), ByteBufUtil.getBytes(request.content()),
            HttpsPeer.source(ctx)));
      }
    } catch (AdminError e) {
      response = error(e);
    } catch (RuntimeException e) {
      LOG.warn("internal error answering {} {}: {}", request.method(), AdminRevocation.PATH, e.toString());
      response = error(AdminError.failed("internal error"));
    }
    // One exchange per connection, as on the rest of this listener.
    sendAndClose(ctx, response);
  }

  private static FullHttpResponse error(AdminError error) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", error.code());
    body.put("message", error.getMessage());
    FullHttpResponse response = json(HttpResponseStatus.valueOf(error.status()), JSON.writeValueAsBytes(body));
    if (error.status() == 401) {
      // RFC 9110 §15.5.2: a 401 names how to authenticate; here, a TLS client certificate.
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Certificate realm=\"gatehouse-ca-admin\"");
    }
    return response;
  }

  private static FullHttpResponse json(HttpResponseStatus status, byte[] json) {
    FullHttpResponse response = body(status, AdminRevocation.JSON_TYPE, json);
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return response;
  }
}
