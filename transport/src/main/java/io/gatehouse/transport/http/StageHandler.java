package io.gatehouse.transport.http;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link RequestStage} as a Netty handler: forwards the request when the stage proceeds,
 * answers it otherwise, and always continues on the channel's event loop, whatever thread
 * completed the stage. Stateless, so one instance serves every channel.
 */
@Sharable
public final class StageHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(StageHandler.class);

  private final RequestStage stage;

  public StageHandler(RequestStage stage) {
    this.stage = stage;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof GatehouseRequest request)) {
      ctx.fireChannelRead(msg);
      return;
    }
    CompletionStage<StageResult> result;
    try {
      result = stage.apply(request);
    } catch (RuntimeException e) {
      result = CompletableFuture.failedStage(e);
    }
    if (result == StageResult.proceedNow()) {
      // Decided at once on this event loop (most requests, every stage): no completion callback.
      resume(ctx, request, StageResult.proceed(), null);
      return;
    }
    EventExecutor loop = ctx.executor();
    result.whenComplete(
        (decision, failure) -> {
          if (loop.inEventLoop()) {
            resume(ctx, request, decision, failure);
          } else {
            loop.execute(() -> resume(ctx, request, decision, failure));
          }
        });
  }

  private void resume(
      ChannelHandlerContext ctx, GatehouseRequest request, StageResult decision, Throwable failure) {
    if (!ctx.channel().isActive()) {
      ReferenceCountUtil.release(request);
      if (decision != null) {
        decision.response().ifPresent(ReferenceCountUtil::release);
      }
      return;
    }
    if (failure != null || decision == null) {
      log.warn("request stage {} failed: {}", stage.name(), String.valueOf(failure));
      boolean modern = ModernProtocol.isModern(request);
      Object id = modern ? ModernProtocol.requestId(request) : null;
      ReferenceCountUtil.release(request);
      FullHttpResponse error = HttpResponses.error(
          HttpResponseStatus.INTERNAL_SERVER_ERROR, "server_error", "internal error");
      ctx.writeAndFlush(modern ? ModernErrors.fromRefusal(error, id) : error);
    } else if (decision.response().isPresent()) {
      // The modern path answers with JSON-RPC error objects; status and headers are kept.
      boolean modern = ModernProtocol.isModern(request);
      Object id = modern ? ModernProtocol.requestId(request) : null;
      ReferenceCountUtil.release(request);
      FullHttpResponse response = decision.response().get();
      ctx.writeAndFlush(modern ? ModernErrors.fromRefusal(response, id) : response);
    } else {
      ctx.fireChannelRead(request);
    }
  }
}
