package io.gatehouse.transport.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Aggregates request bodies up to the configured limit and answers 413 with the transport's JSON
 * error body above it, whether the size is announced ({@code Content-Length}) or discovered while
 * reading a chunked body. The connection is closed after a 413: the unread body is not drained.
 */
public final class BodyLimitAggregator extends HttpObjectAggregator {
  private final int maxBodyBytes;

  public BodyLimitAggregator(int maxBodyBytes) {
    super(maxBodyBytes);
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
    if (oversized instanceof HttpRequest) {
      ctx.writeAndFlush(HttpResponses.closing(HttpResponses.error(
              HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
              "request body exceeds " + maxBodyBytes + " bytes")))
          .addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }
}
