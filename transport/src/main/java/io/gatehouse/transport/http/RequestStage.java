package io.gatehouse.transport.http;

import java.util.concurrent.CompletionStage;

/**
 * One step of the per-request pipeline (Host/Origin check, protocol version, authenticate,
 * revocation, authorize, …). Each stage runs in its own Netty handler ({@link StageHandler}), in
 * the order {@code io.gatehouse.transport.server.GatehousePipeline} lays down.
 *
 * <p>A stage may finish synchronously ({@link StageResult#proceedNow()}) or return a stage that
 * completes later on any thread (crypto, OCSP): the pipeline resumes on the channel's event loop
 * and does not read the connection's next request meanwhile. A stage must never block the calling
 * thread, which is an event loop. A stage that fails exceptionally produces a 500 without detail.
 */
@FunctionalInterface
public interface RequestStage {
  /** Decides on {@code request}; may record results as attributes of the request. */
  CompletionStage<StageResult> apply(GatehouseRequest request);

  /** Name of the stage's handler in the Netty pipeline; lambdas are just "stage". */
  default String name() {
    Class<?> type = getClass();
    return type.isSynthetic() || type.isAnonymousClass() ? "stage" : type.getSimpleName();
  }
}
