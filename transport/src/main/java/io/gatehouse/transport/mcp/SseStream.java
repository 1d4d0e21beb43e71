package io.gatehouse.transport.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * One {@code text/event-stream} response on one connection, handed to the SDK session as its
 * transport. Messages are serialized on the caller's thread and written on the channel's event
 * loop; each send completes once its bytes are queued. A reader that lets unsent bytes pile up
 * past the channel's write-buffer high-water mark has its connection closed at the next send or
 * ping, so a slow client can neither grow server memory nor park the sender's thread. Comment
 * pings keep intermediaries from timing out.
 *
 * <p>Flushes are coalesced: a message is written at once and flushed by a task queued behind it,
 * and a graceful close on the event loop flushes straight away; so a request stream's head, its
 * response and its end leave in one flush (one TLS record, one socket write) instead of three.
 */
final class SseStream implements McpStreamableServerTransport {
  private static final Logger log = LoggerFactory.getLogger(SseStream.class);
  private static final byte[] PING = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);

  private final ChannelHandlerContext ctx;
  private final McpJsonMapper jsonMapper;
  private final List<Runnable> onClose = new ArrayList<>();
  // Removed again in end(): a kept-alive connection serves many streams, and a listener left on
  // its close future would keep every finished stream reachable until the connection closes.
  private final GenericFutureListener<Future<? super Void>> onChannelClose = f -> end(false);
  private final Runnable flushTask = this::flushPending;
  private ScheduledFuture<?> keepAlive;
  private boolean flushPending; // event loop only
  private volatile boolean closed;
  private volatile Consumer<McpSchema.JSONRPCResponse> responses;
  private volatile java.util.function.UnaryOperator<McpSchema.JSONRPCResponse> rewrite;

  private SseStream(ChannelHandlerContext ctx, McpJsonMapper jsonMapper) {
    this.ctx = ctx;
    this.jsonMapper = jsonMapper;
  }

  /** A stream on {@code ctx}'s connection; nothing is written before {@link #open}. */
  static SseStream create(ChannelHandlerContext ctx, McpJsonMapper jsonMapper) {
    return new SseStream(ctx, jsonMapper);
  }

  /**
   * Writes and flushes the response head and starts pings: for a listening stream, whose client
   * learns from the head that notifications will reach it. Call on the channel's event loop:
   * sends queued by the SDK before this returns are written after the head.
   */
  SseStream open(Duration keepAliveInterval) {
    start(keepAliveInterval);
    ctx.flush();
    return this;
  }

  /**
   * As {@link #open}, but the head waits for the first message (or ping, or the end) and leaves
   * with it: for the stream answering one POST, whose client waits for the answer anyway.
   */
  SseStream openForResponse(Duration keepAliveInterval) {
    start(keepAliveInterval);
    return this;
  }

  private void start(Duration keepAliveInterval) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream")
        .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    ctx.write(head, ctx.voidPromise());
    long nanos = keepAliveInterval.toNanos();
    keepAlive = ctx.executor().scheduleAtFixedRate(
        () -> write(PING, null), nanos, nanos, TimeUnit.NANOSECONDS);
    ctx.channel().closeFuture().addListener(onChannelClose);
  }

  /** Runs {@code action} once, on the event loop, when the stream ends for any reason. */
  void onClose(Runnable action) {
    Runnable register = () -> {
      if (closed) {
        action.run();
      } else {
        onClose.add(action);
      }
    };
    if (ctx.executor().inEventLoop()) {
      register.run();
    } else {
      ctx.executor().execute(register);
    }
  }

  @Override
  public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
    return sendMessage(message, null);
  }

  /** Shows every JSON-RPC response sent on this stream to {@code observer} (before it is sent). */
  void observeResponses(Consumer<McpSchema.JSONRPCResponse> observer) {
    this.responses = observer;
  }

  /** Replaces every JSON-RPC response sent on this stream by {@code rewrite}'s answer. */
  void rewriteResponses(java.util.function.UnaryOperator<McpSchema.JSONRPCResponse> rewrite) {
    this.rewrite = rewrite;
  }

  @Override
  public Mono<Void> sendMessage(McpSchema.JSONRPCMessage original, String messageId) {
    java.util.function.UnaryOperator<McpSchema.JSONRPCResponse> rewriter = rewrite;
    McpSchema.JSONRPCMessage message = rewriter != null
        && original instanceof McpSchema.JSONRPCResponse r ? rewriter.apply(r) : original;
    Consumer<McpSchema.JSONRPCResponse> observer = responses;
    if (observer != null && message instanceof McpSchema.JSONRPCResponse response) {
      observer.accept(response);
    }
    return Mono.fromCallable(() -> frame(message, messageId))
        .flatMap(bytes -> Mono.<Void>create(sink -> {
          if (ctx.executor().inEventLoop()) {
            write(bytes, sink); // an answer computed on the loop: no task to queue
          } else {
            ctx.executor().execute(() -> write(bytes, sink));
          }
        }));
  }

  @Override
  public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
    return jsonMapper.convertValue(data, typeRef);
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.create(sink -> {
      if (ctx.executor().inEventLoop()) {
        // The SDK closes a request stream right after its response was accepted, on this loop:
        // ending here lets the response and the end share one flush.
        end(true);
        sink.success();
      } else {
        ctx.executor().execute(() -> {
          end(true);
          sink.success();
        });
      }
    });
  }

  @Override
  public void close() {
    ctx.executor().execute(() -> end(true));
  }

  private byte[] frame(McpSchema.JSONRPCMessage message, String messageId) throws Exception {
    StringBuilder frame = new StringBuilder(256);
    if (messageId != null && messageId.indexOf('\n') < 0 && messageId.indexOf('\r') < 0) {
      frame.append("id: ").append(messageId).append('\n');
    }
    frame.append("event: message\ndata: ")
        .append(jsonMapper.writeValueAsString(message))
        .append("\n\n");
    return frame.toString().getBytes(StandardCharsets.UTF_8);
  }

  private void write(byte[] bytes, MonoSink<Void> sink) {
    if (closed) {
      if (sink != null) {
        sink.error(new IllegalStateException("SSE stream is closed"));
      }
      return;
    }
    if (!ctx.channel().isWritable()) {
      log.warn("closing SSE stream to {}: client is not reading", ctx.channel().remoteAddress());
      ctx.close();
      if (sink != null) {
        sink.error(new IllegalStateException("SSE client is not reading"));
      }
      return;
    }
    // Accepted once queued within the bound: waiting for the socket would park the sender's
    // thread on a slow reader; the next send or ping finds the channel unwritable instead.
    ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)), ctx.voidPromise());
    if (!flushPending) {
      flushPending = true;
      ctx.executor().execute(flushTask);
    }
    if (sink != null) {
      sink.success();
    }
  }

  private void flushPending() {
    if (flushPending) {
      flushPending = false;
      ctx.flush();
    }
  }

  private void end(boolean writeEnd) {
    if (closed) {
      return;
    }
    closed = true;
    ctx.channel().closeFuture().removeListener(onChannelClose);
    if (keepAlive != null) {
      keepAlive.cancel(false);
    }
    flushPending = false; // the flush below covers whatever is pending
    if (writeEnd && ctx.channel().isActive()) {
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
    } else {
      ctx.flush();
    }
    onClose.forEach(Runnable::run);
    onClose.clear();
  }
}
