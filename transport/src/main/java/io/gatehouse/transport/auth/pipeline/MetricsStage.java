package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.HttpResponses;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.http.StageResult;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * {@code GET /metrics}: the Prometheus text exposition from a scrape function (the registry lives
 * in the application). Placed after the authorize stage, which requires the {@code metrics}
 * resource; the scrape runs on the authentication executor, not the event loop.
 */
final class MetricsStage implements RequestStage {
  /** The path. */
  static final String PATH = "/metrics";
  /** Prometheus text format 0.0.4. */
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final Supplier<String> scrape;
  private final Executor executor;

  MetricsStage(Supplier<String> scrape, Executor executor) {
    this.scrape = scrape;
    this.executor = executor;
  }

  @Override
  public String name() {
    return "metrics";
  }

  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    if (!request.path().equals(PATH)) {
      return StageResult.proceedNow();
    }
    if (!HttpMethod.GET.equals(request.method())) {
      FullHttpResponse refused = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method_not_allowed", "use GET");
      refused.headers().set(HttpHeaderNames.ALLOW, "GET");
      return CompletableFuture.completedStage(StageResult.respond(refused));
    }
    return CompletableFuture.supplyAsync(() -> {
      byte[] body = scrape.get().getBytes(StandardCharsets.UTF_8);
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE)
          .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
      return StageResult.respond(response);
    }, executor);
  }
}
