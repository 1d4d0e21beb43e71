package io.gatehouse.transport.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** What a {@link RequestStage} decided: pass the request on, or answer it now. */
public final class StageResult {
  private static final StageResult PROCEED = new StageResult(null);
  private static final CompletionStage<StageResult> PROCEED_NOW =
      CompletableFuture.completedStage(PROCEED);

  private final FullHttpResponse response;

  private StageResult(FullHttpResponse response) {
    this.response = response;
  }

  /** Pass the request to the next stage. */
  public static StageResult proceed() {
    return PROCEED;
  }

  /** An already completed {@link #proceed()}, for stages that decide synchronously. */
  public static CompletionStage<StageResult> proceedNow() {
    return PROCEED_NOW;
  }

  /** Answer with {@code response}; later stages and the MCP endpoint never see the request. */
  public static StageResult respond(FullHttpResponse response) {
    return new StageResult(Objects.requireNonNull(response, "response"));
  }

  /** An already completed {@link #respond} with a JSON error body. */
  public static CompletionStage<StageResult> rejectNow(
      HttpResponseStatus status, String error, String description) {
    return CompletableFuture.completedStage(
        respond(HttpResponses.error(status, error, description)));
  }

  /** The response to send, or empty to proceed. */
  public Optional<FullHttpResponse> response() {
    return Optional.ofNullable(response);
  }
}
