package io.gatehouse.ca.est;

import io.gatehouse.ca.http.HttpsPeer;
import io.gatehouse.ca.http.WorkerHttpHandler;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.EventExecutor;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes RFC 7030's {@code /.well-known/est/[<label>/]cacerts|simpleenroll|simplereenroll|csrattrs}
 * on the HTTPS listener; the optional label names a provisioner. Answers run on the connection's
 * worker executor: enrolling reads and writes the store and signs.
 */
public final class EstHttpHandler extends WorkerHttpHandler {
  /** Path prefix of every EST endpoint. */
  public static final String PREFIX = "/.well-known/est/";

  private static final Logger LOG = LoggerFactory.getLogger(EstHttpHandler.class);
  private static final Pattern LABEL = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

  private final EstService est;

  /** A handler answering from {@code est} on {@code worker}. */
  public EstHttpHandler(EstService est, EventExecutor worker) {
    super(worker);
    this.est = est;
  }

  @Override
  protected FullHttpResponse busy() {
    return text(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy, retry later");
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("EST connection error: {}", cause.toString());
    ctx.close();
  }

  @Override
  protected void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
    FullHttpResponse response;
    try {
      response = request.decoderResult().isFailure()
          ? text(HttpResponseStatus.BAD_REQUEST, "bad request")
          : route(ctx, request);
    } catch (RuntimeException e) {
      LOG.warn("internal error answering EST {}: {}", request.method(), e.toString());
      response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
    }
    // One exchange per connection: enrollment is rare, and some EST clients (BouncyCastle's) read
    // the response until the connection closes rather than by its length.
    sendAndClose(ctx, response);
  }

  private FullHttpResponse route(ChannelHandlerContext ctx, FullHttpRequest request) {
    String path = path(request);
    if (!path.startsWith(PREFIX)) {
      return text(HttpResponseStatus.NOT_FOUND, "not found");
    }
    String[] parts = path.substring(PREFIX.length()).split("/", -1);
    String label = parts.length == 2 ? parts[0] : null;
    if (parts.length > 2 || label != null && !LABEL.matcher(label).matches()) {
      return text(HttpResponseStatus.NOT_FOUND, "not found");
    }
    String operation = parts[parts.length - 1];
    HttpMethod method = request.method();
    String source = HttpsPeer.source(ctx);
    switch (operation) {
      case "cacerts":
        if (!HttpMethod.GET.equals(method)) {
          return notAllowed("GET");
        }
        return certsOnly(est.cacerts());
      case "csrattrs":
        if (!HttpMethod.GET.equals(method)) {
          return notAllowed("GET");
        }
        // RFC 7030 4.5.2: no attributes required; the CA takes only the key and CN.
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT, Unpooled.EMPTY_BUFFER);
      case "simpleenroll":
      case "simplereenroll":
        if (!HttpMethod.POST.equals(method)) {
          return notAllowed("POST");
        }
        byte[] body = ByteBufUtil.getBytes(request.content());
        String type = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        try {
          return certsOnly(operation.equals("simpleenroll")
              ? est.enroll(label, request.headers().get(HttpHeaderNames.AUTHORIZATION), type, body, source)
              : est.reenroll(label, HttpsPeer.certificates(ctx), type, body, source));
        } catch (EstRefusal refusal) {
          return refused(refusal, operation.equals("simpleenroll"));
        }
      default:
        return text(HttpResponseStatus.NOT_FOUND, "not found");
    }
  }

  private static FullHttpResponse refused(EstRefusal refusal, boolean bearer) {
    FullHttpResponse response = text(HttpResponseStatus.valueOf(refusal.status()), refusal.getMessage());
    if (refusal.status() == 401) {
      response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, bearer
          ? "Bearer realm=\"gatehouse-est\", error=\"invalid_token\""
          : "Bearer realm=\"gatehouse-est\"");
    }
    if (refusal.status() == 429) {
      String message = refusal.getMessage();
      String seconds = message.replaceAll(".*retry in (\\d+) s.*", "$1");
      response.headers().set(HttpHeaderNames.RETRY_AFTER, seconds.matches("\\d+") ? seconds : "60");
    }
    return response;
  }

  private static FullHttpResponse certsOnly(byte[] base64) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
        Unpooled.wrappedBuffer(base64));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, EstService.CERTS_ONLY);
    response.headers().set("Content-Transfer-Encoding", "base64");
    response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return response;
  }

  private static FullHttpResponse notAllowed(String allow) {
    FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
    response.headers().set(HttpHeaderNames.ALLOW, allow);
    return response;
  }
}
