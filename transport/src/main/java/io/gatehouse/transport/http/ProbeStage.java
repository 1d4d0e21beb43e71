package io.gatehouse.transport.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A probe endpoint answered before authentication ({@code /healthz}, {@code /readyz}): its path,
 * GET or HEAD only (405 with {@code Allow} otherwise), and an answer from memory.
 */
abstract class ProbeStage implements RequestStage {
  private final String path;

  ProbeStage(String path) {
    this.path = path;
  }

  /** The answer to a GET or HEAD of the path; never blocks. */
  abstract FullHttpResponse answer();

  @Override
  public final CompletionStage<StageResult> apply(GatehouseRequest request) {
    if (!request.path().equals(path)) {
      return StageResult.proceedNow();
    }
    if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
      var response = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method_not_allowed", "use GET");
      response.headers().set("Allow", "GET, HEAD");
      return CompletableFuture.completedStage(StageResult.respond(response));
    }
    return CompletableFuture.completedStage(StageResult.respond(answer()));
  }
}
