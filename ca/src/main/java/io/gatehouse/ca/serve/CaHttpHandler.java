package io.gatehouse.ca.serve;

import io.gatehouse.ca.ocsp.OcspAnswer;
import io.gatehouse.ca.ocsp.OcspResponder;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.gatehouse.ca.http.WorkerHttpHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes {@code /ocsp} (POST and GET), {@code /crl}, {@code /jwks.json} and {@code /readyz} (200
 * when the store verifies and is reachable, else 503 with the reason). Answering may read the
 * store or sign, so it runs on the connection's own worker executor ({@link WorkerHttpHandler}).
 */
final class CaHttpHandler extends WorkerHttpHandler {
  private static final Logger LOG = LoggerFactory.getLogger(CaHttpHandler.class);
  private static final String OCSP_RESPONSE = "application/ocsp-response";
  private static final String OCSP_PREFIX = "/ocsp/";
  private static final int MAX_GET_PATH = 2048;
  private static final tools.jackson.databind.json.JsonMapper JSON = tools.jackson.databind.json.JsonMapper.builder().build();

  private final OcspResponder responder;
  private final Supplier<CrlPublisher.Snapshot> crl;
  private final byte[] jwks;
  private final Supplier<Instant> now;
  private final Supplier<String> notReady;

  CaHttpHandler(OcspResponder responder, Supplier<CrlPublisher.Snapshot> crl, byte[] jwks,
      Supplier<Instant> now, EventExecutor worker, Supplier<String> notReady) {
    super(worker);
    this.notReady = notReady;
    this.responder = responder;
    this.crl = crl;
    this.jwks = jwks;
    this.now = now;
  }

  @Override
  protected FullHttpResponse busy() {
    return text(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy, retry later");
  }

  @Override
  protected void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
    FullHttpResponse response;
    try {
      response = request.decoderResult().isFailure()
          ? text(HttpResponseStatus.BAD_REQUEST, "bad request")
          : route(request);
    } catch (RuntimeException e) {
      LOG.warn("internal error answering {}: {}", abbreviate(request.uri()), e.toString());
      response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
    }
    LOG.debug("{} {} -> {}", request.method(), abbreviate(request.uri()), response.status().code());
    send(ctx, request, response);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("connection error: {}", cause.toString());
    ctx.close();
  }

  private FullHttpResponse route(FullHttpRequest request) {
    String path = path(request);
    HttpMethod method = request.method();
    if (path.equals("/ocsp") || path.equals("/ocsp/")) {
      if (!HttpMethod.POST.equals(method)) {
        return notAllowed("POST");
      }
      OcspAnswer answer = responder.respond(ByteBufUtil.getBytes(request.content()));
      FullHttpResponse response = body(HttpResponseStatus.OK, OCSP_RESPONSE, answer.der());
      response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      return response;
    }
    if (path.startsWith(OCSP_PREFIX)) {
      if (!HttpMethod.GET.equals(method)) {
        return notAllowed("GET");
      }
      byte[] der = decodeGetRequest(path.substring(OCSP_PREFIX.length()));
      OcspAnswer answer = der == null ? responder.respond(new byte[0]) : responder.respond(der);
      return cacheable(request, body(HttpResponseStatus.OK, OCSP_RESPONSE, answer.der()), answer);
    }
    if (path.equals("/crl")) {
      if (!HttpMethod.GET.equals(method)) {
        return notAllowed("GET");
      }
      CrlPublisher.Snapshot snapshot = crl.get();
      FullHttpResponse response = body(HttpResponseStatus.OK, "application/pkix-crl", snapshot.der());
      // Revocations re-sign the CRL at once; make caches revalidate rather than keep a stale one.
      response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
      response.headers().set(HttpHeaderNames.LAST_MODIFIED, httpDate(snapshot.thisUpdate()));
      response.headers().set(HttpHeaderNames.ETAG, etag(snapshot.der()));
      return response;
    }
    if (path.equals("/readyz")) {
      if (!HttpMethod.GET.equals(method)) {
        return notAllowed("GET");
      }
      String reason = notReady.get();
      FullHttpResponse response = reason == null
          ? body(HttpResponseStatus.OK, "application/json", "{\"status\":\"ready\"}\n".getBytes(StandardCharsets.UTF_8))
          : body(HttpResponseStatus.SERVICE_UNAVAILABLE, "application/json",
              // Ordered: Map.of iterates in a per-JVM random order, so the body's key order
              // changed from one run to the next (docs/ca.md shows status, then reason).
              JSON.writeValueAsBytes(JSON.createObjectNode().put("status", "not ready").put("reason", reason)));
      response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      return response;
    }
    if (path.equals("/jwks.json")) {
      if (!HttpMethod.GET.equals(method)) {
        return notAllowed("GET");
      }
      FullHttpResponse response = body(HttpResponseStatus.OK, "application/jwk-set+json", jwks);
      response.headers().set(HttpHeaderNames.CACHE_CONTROL, "max-age=300");
      return response;
    }
    return text(HttpResponseStatus.NOT_FOUND, "not found");
  }

  /** RFC 5019 6.2 caching headers, and 304 when the client already holds this response. */
  private FullHttpResponse cacheable(FullHttpRequest request, FullHttpResponse response, OcspAnswer answer) {
    if (!answer.cacheable()) {
      response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      return response;
    }
    String etag = etag(answer.der());
    long maxAge = Math.max(0, Duration.between(now.get(), answer.nextUpdate()).getSeconds());
    response.headers()
        .set(HttpHeaderNames.CACHE_CONTROL, "max-age=" + maxAge + ", public, no-transform, must-revalidate")
        .set(HttpHeaderNames.LAST_MODIFIED, httpDate(answer.thisUpdate()))
        .set(HttpHeaderNames.EXPIRES, httpDate(answer.nextUpdate()))
        .set(HttpHeaderNames.ETAG, etag);
    if (etag.equals(request.headers().get(HttpHeaderNames.IF_NONE_MATCH))) {
      FullHttpResponse notModified = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
      notModified.headers().set(response.headers());
      notModified.headers().remove(HttpHeaderNames.CONTENT_TYPE);
      response.release();
      return notModified;
    }
    return response;
  }

  /**
   * The DER request of {@code GET /ocsp/{encoded}}: percent-decoded (a '+' stays a '+', as base64
   * needs), then standard or URL-safe base64. Null when it does not decode.
   */
  static byte[] decodeGetRequest(String encoded) {
    if (encoded.isEmpty() || encoded.length() > MAX_GET_PATH) {
      return null;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(encoded.length());
    try {
      for (int i = 0; i < encoded.length(); i++) {
        char c = encoded.charAt(i);
        if (c == '%' && i + 2 < encoded.length()) {
          bytes.write(HexFormat.fromHexDigits(encoded, i + 1, i + 3));
          i += 2;
        } else if (c < 0x80) {
          bytes.write(c);
        } else {
          return null;
        }
      }
    } catch (IllegalArgumentException e) {
      return null;
    }
    String text = bytes.toString(StandardCharsets.US_ASCII);
    try {
      return text.indexOf('-') >= 0 || text.indexOf('_') >= 0
          ? Base64.getUrlDecoder().decode(text)
          : Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static FullHttpResponse notAllowed(String allow) {
    FullHttpResponse response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed");
    response.headers().set(HttpHeaderNames.ALLOW, allow);
    return response;
  }

  private static String etag(byte[] body) {
    try {
      return "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body)) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String httpDate(Instant instant) {
    return DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atOffset(ZoneOffset.UTC));
  }

  private static String abbreviate(String uri) {
    return uri.length() > 80 ? uri.substring(0, 80) + "..." : uri;
  }
}
