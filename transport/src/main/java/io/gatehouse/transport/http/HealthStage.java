package io.gatehouse.transport.http;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Answers {@code GET /healthz} with {@code {"status":"ok"}}, before authentication, no detail. */
public final class HealthStage implements RequestStage {
  /** The liveness path. */
  public static final String PATH = "/healthz";

  private static final byte[] OK = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);

  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    if (!request.path().equals(PATH)) {
      return StageResult.proceedNow();
    }
    if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())) {
      var response = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method_not_allowed", "use GET");
      response.headers().set("Allow", "GET, HEAD");
      return CompletableFuture.completedStage(StageResult.respond(response));
    }
    return CompletableFuture.completedStage(
        StageResult.respond(HttpResponses.json(HttpResponseStatus.OK, OK)));
  }
}
