package io.gatehouse.transport.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The request/response cycle of one connection: one request at a time (HTTP pipelining closes
 * the connection), a deadline for receiving each complete request (idle keep-alive and slow-loris
 * clients are dropped), {@code Connection: close} honoured, in-flight accounting for graceful
 * shutdown, and 503 once the server drains.
 */
public final class RequestCycleHandler extends ChannelDuplexHandler {
  private enum State { IDLE, READING, RESPONDING, REFUSED }

  private final long readTimeoutNanos;
  private final InFlightRequests inFlight;
  private State state = State.IDLE;
  private boolean closeAfterResponse;
  private ScheduledFuture<?> deadline;

  public RequestCycleHandler(Duration requestReadTimeout, InFlightRequests inFlight) {
    this.readTimeoutNanos = requestReadTimeout.toNanos();
    this.inFlight = inFlight;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    arm(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.REFUSED) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      if (state != State.IDLE) {
        // A second request before the first was answered: pipelining is not supported.
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      if (inFlight.draining()) {
        // Written from here, so it bypasses this handler's write(): close explicitly.
        ReferenceCountUtil.release(msg);
        state = State.REFUSED;
        cancel();
        ctx.writeAndFlush(HttpResponses.closing(HttpResponses.error(
                HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting_down", "server is shutting down")))
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      state = State.READING;
      inFlight.started();
      closeAfterResponse = !HttpUtil.isKeepAlive(request);
    }
    if (msg instanceof LastHttpContent && state == State.READING) {
      state = State.RESPONDING;
      cancel();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response) {
      if (closeAfterResponse) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      } else if (response.headers().contains(
          HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
        closeAfterResponse = true;
      }
    }
    if (!(msg instanceof LastHttpContent)) {
      ctx.write(msg, promise);
      return;
    }
    boolean close = closeAfterResponse || state == State.READING || state == State.REFUSED;
    if (state != State.IDLE) {
      inFlight.finished();
    }
    state = close ? State.REFUSED : State.IDLE;
    closeAfterResponse = false;
    ctx.write(msg, promise);
    if (close) {
      promise.addListener(ChannelFutureListener.CLOSE);
    } else {
      arm(ctx);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    if (state == State.READING || state == State.RESPONDING) {
      inFlight.finished();
    }
    state = State.REFUSED;
    ctx.fireChannelInactive();
  }

  private void arm(ChannelHandlerContext ctx) {
    cancel();
    deadline = ctx.executor().schedule(() -> {
      if (state == State.IDLE || state == State.READING) {
        ctx.close();
      }
    }, readTimeoutNanos, TimeUnit.NANOSECONDS);
  }

  private void cancel() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }
}
