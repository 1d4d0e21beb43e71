package io.gatehouse.transport.mcp.modern;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.modern.JsonRpc;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * One {@code text/event-stream} answer of the modern path: the SDK's messages as {@code message}
 * events, comment pings every keep-alive interval, {@code X-Accel-Buffering: no} so a buffering
 * proxy passes events on at once. The messages are subscribed on the event loop (a sync handler's
 * body hops to a bounded-elastic worker by itself), or on a worker when the request was dispatched
 * with {@code handleBlocking} (its sync bodies run where subscribed); writes happen on the
 * channel's event loop. Closing the connection cancels the request (the
 * specification's cancellation for this revision); a reader past the write-buffer high-water mark
 * has its connection closed, as on the legacy path.
 */
final class ModernSseResponse {
  private static final Logger log = LoggerFactory.getLogger(ModernSseResponse.class);
  private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);

  private final ChannelHandlerContext ctx;
  private final McpJsonMapper jsonMapper;
  private final Runnable onEnd;
  private final GenericFutureListener<Future<? super Void>> onChannelClose = f -> end(false);
  private ScheduledFuture<?> keepAlive;
  private Disposable subscription;
  private boolean ended;

  private ModernSseResponse(ChannelHandlerContext ctx, McpJsonMapper jsonMapper, Runnable onEnd) {
    this.ctx = ctx;
    this.jsonMapper = jsonMapper;
    this.onEnd = onEnd;
  }

  /**
   * Starts streaming {@code messages} on {@code ctx}'s connection ({@code blocking}: they come from
   * {@code handleBlocking} and are subscribed on a worker); {@code onEnd} runs once, on the
   * event loop, when the stream ends for any reason. Returns a handle that ends the stream.
   */
  static Runnable start(ChannelHandlerContext ctx, McpJsonMapper jsonMapper,
      Flux<JsonRpc.JSONRPCMessage> messages, Duration keepAliveInterval, boolean blocking,
      Runnable onEnd) {
    ModernSseResponse stream = new ModernSseResponse(ctx, jsonMapper, onEnd);
    Flux<JsonRpc.JSONRPCMessage> subscribed =
        blocking ? messages.subscribeOn(Schedulers.boundedElastic()) : messages;
    ctx.executor().execute(() -> stream.open(subscribed, keepAliveInterval));
    return () -> ctx.executor().execute(() -> stream.end(true));
  }

  private void open(Flux<JsonRpc.JSONRPCMessage> messages, Duration keepAliveInterval) {
    if (!ctx.channel().isActive()) {
      ended = true;
      onEnd.run();
      return;
    }
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
        .set("X-Accel-Buffering", "no")
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    ctx.writeAndFlush(head);
    long nanos = keepAliveInterval.toNanos();
    keepAlive = ctx.executor().scheduleAtFixedRate(() -> write(PING), nanos, nanos,
        TimeUnit.NANOSECONDS);
    ctx.channel().closeFuture().addListener(onChannelClose);
    subscription = messages
        .map(this::frame)
        .subscribe(
            bytes -> ctx.executor().execute(() -> write(bytes)),
            err -> {
              log.debug("modern MCP stream ended early: {}", err.toString());
              ctx.executor().execute(() -> end(true));
            },
            () -> ctx.executor().execute(() -> end(true)));
  }

  private byte[] frame(JsonRpc.JSONRPCMessage message) {
    try {
      return ("event: message\ndata: " + jsonMapper.writeValueAsString(message) + "\n\n")
          .getBytes(StandardCharsets.UTF_8);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void write(byte[] bytes) {
    if (ended) {
      return;
    }
    if (!ctx.channel().isWritable()) {
      log.warn("closing MCP stream to {}: client is not reading", ctx.channel().remoteAddress());
      ctx.close();
      return;
    }
    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)), ctx.voidPromise());
  }

  private void end(boolean writeEnd) {
    if (ended) {
      return;
    }
    ended = true;
    ctx.channel().closeFuture().removeListener(onChannelClose);
    if (keepAlive != null) {
      keepAlive.cancel(false);
    }
    if (subscription != null) {
      subscription.dispose(); // a closed connection cancels the request
    }
    if (writeEnd && ctx.channel().isActive()) {
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    }
    onEnd.run();
  }
}
