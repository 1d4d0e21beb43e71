package io.gatehouse.ca.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;

/**
 * The CA service's handlers (OCSP/CRL, EST, OAuth, admin): each answers an aggregated request on
 * the connection's worker executor, never on the event loop, since answering reads the store or
 * signs. One single-threaded executor per connection keeps pipelined answers in request order; a
 * full worker queue answers {@link #busy()} and closes the connection.
 */
public abstract class WorkerHttpHandler extends ChannelInboundHandlerAdapter {
  private final EventExecutor worker;

  protected WorkerHttpHandler(EventExecutor worker) {
    this.worker = worker;
  }

  /** Whether this handler answers {@code request}; the others go on down the pipeline. */
  protected boolean handles(FullHttpRequest request) {
    return true;
  }

  /** Answers {@code request} on the worker (and writes the answer); the request is released after. */
  protected abstract void answer(ChannelHandlerContext ctx, FullHttpRequest request);

  /** The answer when the worker's queue is full. */
  protected abstract FullHttpResponse busy();

  @Override
  public final void channelRead(ChannelHandlerContext ctx, Object message) {
    if (!(message instanceof FullHttpRequest request)) {
      ReferenceCountUtil.release(message);
      return;
    }
    if (!handles(request)) {
      ctx.fireChannelRead(request);
      return;
    }
    try {
      worker.execute(() -> {
        try {
          answer(ctx, request);
        } finally {
          request.release();
        }
      });
    } catch (RejectedExecutionException e) {
      request.release();
      sendAndClose(ctx, busy());
    }
  }

  /** The request's path without the query. */
  protected static String path(FullHttpRequest request) {
    String uri = request.uri();
    int query = uri.indexOf('?');
    return query >= 0 ? uri.substring(0, query) : uri;
  }

  /** Writes {@code response} with its length, keeping the connection open when the request asked to. */
  protected static void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    HttpUtil.setKeepAlive(response, keepAlive);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    var written = ctx.writeAndFlush(response);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }

  /** Writes {@code response} with its length, then closes: one exchange per connection. */
  protected static void sendAndClose(ChannelHandlerContext ctx, FullHttpResponse response) {
    HttpUtil.setKeepAlive(response, false);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  /** A response of {@code type} holding {@code body}. */
  protected static FullHttpResponse body(HttpResponseStatus status, String type, byte[] body) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.wrappedBuffer(body));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    return response;
  }

  /** A plain-text response: {@code line} and a newline. */
  protected static FullHttpResponse text(HttpResponseStatus status, String line) {
    return body(status, "text/plain; charset=utf-8", (line + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
