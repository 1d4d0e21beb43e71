package io.gatehouse.transport.server;

import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.RequestPrincipal;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.http.StageResult;
import java.util.concurrent.CompletionStage;

/** Fills the AUTHENTICATE slot when no authenticator is configured: everyone is anonymous. */
final class AnonymousStage implements RequestStage {
  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    RequestPrincipal.set(request, Principal.ANONYMOUS);
    return StageResult.proceedNow();
  }
}
