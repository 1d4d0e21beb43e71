package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.AuthenticationChain;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.RequestPrincipal;
import io.gatehouse.transport.auth.ratelimit.AuthFailureLockout;
import io.gatehouse.transport.auth.ratelimit.RateLimitDecision;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.http.StageResult;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Authenticates each request: a locked-out source gets 429 first; then the {@link
 * AuthenticationChain} runs on the bounded authentication executor (never the event loop) and
 * either sets the {@link RequestPrincipal} or answers 401. Failures count towards lockout; every
 * decision is audited (a certificate's success is audited by the revocation stage, once it is
 * known whether the certificate is revoked).
 *
 * <p>A certificate is decided once per TLS session: the chain cannot change within it, and the
 * chain's first method, the certificate, decides whenever one was presented. Later requests of the
 * connection reuse the principal synchronously until the certificate's notAfter.
 */
final class AuthenticateStage implements RequestStage {
  private final AuthenticationChain chain;
  private final boolean certificatesFirst;
  private final boolean checksRevocation;
  private final AuthFailureLockout lockout;
  private final Decisions decisions;
  private final Executor executor;
  private final Clock clock;

  AuthenticateStage(AuthenticationChain chain, boolean checksRevocation, AuthFailureLockout lockout,
      Decisions decisions, Executor executor, Clock clock) {
    this.chain = chain;
    this.certificatesFirst = chain.methods().get(0) == AuthMethod.CERTIFICATE;
    this.checksRevocation = checksRevocation;
    this.lockout = lockout;
    this.decisions = decisions;
    this.executor = executor;
    this.clock = clock;
  }

  @Override
  public String name() {
    return "authenticate";
  }

  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    InetSocketAddress remote = request.remoteAddress();
    RateLimitDecision gate = lockout.check(remote.getAddress());
    if (!gate.allowed()) {
      return decisions.lockedOut(remote, gate.retryAfterSeconds());
    }
    ConnectionAuth connection = ConnectionAuth.of(request.channel(), request.sslSession().orElse(null));
    Principal known = certificatesFirst ? connection.certificatePrincipal(clock.instant()) : null;
    if (known != null) {
      RequestPrincipal.set(request, known);
      return StageResult.proceedNow();
    }
    AuthRequest auth = AuthRequest.of(request.headers()::getAll, connection.chain, remote);
    CompletableFuture<AuthResult> result;
    try {
      result = CompletableFuture.supplyAsync(() -> chain.authenticate(auth), executor);
    } catch (RejectedExecutionException e) {
      return decisions.refusals().busy();
    }
    // One request per connection is in flight, and each hand-off (to the executor, back to the
    // event loop) orders memory, so the connection state needs no locks.
    return result.thenCompose(r -> decide(request, connection, r));
  }

  private CompletionStage<StageResult> decide(
      GatehouseRequest request, ConnectionAuth connection, AuthResult result) {
    InetSocketAddress remote = request.remoteAddress();
    if (result instanceof AuthResult.Authenticated ok) {
      Principal principal = ok.principal();
      if (principal.method() == AuthMethod.CERTIFICATE && !connection.chain.isEmpty()) {
        connection.certificatePrincipal = principal;
        connection.certificateNotAfter = connection.chain.get(0).getNotAfter().toInstant();
      }
      if (principal.method() != AuthMethod.CERTIFICATE || !checksRevocation) {
        decisions.authenticated(principal, remote);
      }
      RequestPrincipal.set(request, principal);
      return StageResult.proceedNow();
    }
    lockout.recordFailure(remote.getAddress());
    if (result instanceof AuthResult.Rejected rejected) {
      return decisions.rejected(rejected, remote);
    }
    return decisions.noCredentials(remote);
  }
}
