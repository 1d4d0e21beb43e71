package io.gatehouse.transport.http;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Adds the security headers to every response, whichever handler wrote it: nothing is cached,
 * nothing is content-sniffed, nothing may be framed or refer back.
 */
@Sharable
public final class SecurityHeadersHandler extends ChannelOutboundHandlerAdapter {
  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response) {
      HttpHeaders headers = response.headers();
      headers.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
      headers.set("X-Content-Type-Options", "nosniff");
      headers.set(HttpHeaderNames.CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'");
      headers.set("Referrer-Policy", "no-referrer");
    }
    ctx.write(msg, promise);
  }
}
