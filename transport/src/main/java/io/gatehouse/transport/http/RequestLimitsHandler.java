package io.gatehouse.transport.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * Turns the HTTP decoder's refusals into answers (431 header block too large, 414 request line
 * too long, 400 malformed) and refuses requests with too many header fields (431), before any
 * body is read. Every refusal closes the connection: the rest of its bytes are not trusted.
 */
public final class RequestLimitsHandler extends ChannelInboundHandlerAdapter {
  private final int maxHeaderCount;
  private boolean refused;

  public RequestLimitsHandler(int maxHeaderCount) {
    this.maxHeaderCount = maxHeaderCount;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    DecoderResult result =
        msg instanceof DecoderResultProvider p ? p.decoderResult() : DecoderResult.SUCCESS;
    if (result.isFailure()) {
      Throwable cause = result.cause();
      if (cause instanceof TooLongHttpHeaderException) {
        refuse(ctx, msg, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "header_too_large", "request header block is too large");
      } else if (cause instanceof TooLongHttpLineException
          || cause instanceof TooLongFrameException) {
        refuse(ctx, msg, HttpResponseStatus.REQUEST_URI_TOO_LONG,
            "uri_too_long", "request line is too long");
      } else {
        refuse(ctx, msg, HttpResponseStatus.BAD_REQUEST,
            "invalid_request", "malformed HTTP request");
      }
      return;
    }
    if (msg instanceof HttpRequest request && request.headers().size() > maxHeaderCount) {
      refuse(ctx, msg, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "too_many_headers", "request has more than " + maxHeaderCount + " header fields");
      return;
    }
    ctx.fireChannelRead(msg);
  }

  private void refuse(ChannelHandlerContext ctx, Object msg, HttpResponseStatus status,
      String error, String description) {
    ReferenceCountUtil.release(msg);
    refused = true;
    ctx.writeAndFlush(HttpResponses.closing(HttpResponses.error(status, error, description)));
  }
}
