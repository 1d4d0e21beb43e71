package io.gatehouse.transport.http;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;

/**
 * Adds the security headers to every response, whichever handler wrote it: nothing is cached,
 * nothing is content-sniffed, nothing may be framed or refer back.
 */
@Sharable
public final class SecurityHeadersHandler extends ChannelOutboundHandlerAdapter {
  // AsciiString constants: their hash is computed once and the encoder copies their bytes as they
  // are, instead of hashing and encoding four Strings on every response (JFR, 2026-07-28 path).
  private static final AsciiString NO_STORE = AsciiString.cached("no-store");
  private static final AsciiString X_CONTENT_TYPE_OPTIONS = AsciiString.cached("X-Content-Type-Options");
  private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");
  private static final AsciiString CSP_NONE =
      AsciiString.cached("default-src 'none'; frame-ancestors 'none'");
  private static final AsciiString REFERRER_POLICY = AsciiString.cached("Referrer-Policy");
  private static final AsciiString NO_REFERRER = AsciiString.cached("no-referrer");

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response) {
      HttpHeaders headers = response.headers();
      headers.set(HttpHeaderNames.CACHE_CONTROL, NO_STORE);
      headers.set(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
      headers.set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CSP_NONE);
      headers.set(REFERRER_POLICY, NO_REFERRER);
    }
    ctx.write(msg, promise);
  }
}
