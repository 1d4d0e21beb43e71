package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.AuthenticationChain;
import io.gatehouse.transport.auth.CredentialLease;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.RequestPrincipal;
import io.gatehouse.transport.auth.ratelimit.AuthFailureLockout;
import io.gatehouse.transport.auth.ratelimit.RateLimitDecision;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.http.StageResult;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Authenticates each request. In this order:
 *
 * <ol>
 *   <li>a connection whose TLS session already authenticated a certificate reuses that principal
 *       (until the certificate's notAfter): nothing its source address does can lock it out;
 *   <li>a request without a verified client certificate from a source over its cap of refused
 *       credentials gets 429 ({@link AuthFailureLockout#checkSource}); a certificate is exempt, so
 *       an attacker sharing the address (NAT, load balancer) cannot lock out mTLS clients;
 *   <li>the {@link AuthenticationChain} runs on the bounded authentication executor (never the
 *       event loop); the identity the deciding credential claims (cert serial, JWT {@code sub} or
 *       {@code kid}, API-key id) gets 429 while it is locked from this source;
 *   <li>the principal is set, or 401 answered.
 * </ol>
 *
 * Only presented-and-refused credentials count towards lockout, keyed by (source, attempted
 * identity): a request without credentials, or one refused because the server could not check it
 * (signing keys unavailable, internal error), never counts. Every decision is audited (a
 * certificate's success by the revocation stage, once it is known whether it is revoked).
 *
 * <p>A certificate is decided once per TLS session: the chain cannot change within it, and the
 * chain's first method, the certificate, decides whenever one was presented.
 */
final class AuthenticateStage implements RequestStage {
  /**
   * Refusal reasons that are the server's fault, not the credential's (JwsVerifier, and
   * AuthenticationChain's fail-closed catch): they never count towards lockout.
   */
  private static final List<String> SERVER_SIDE_REASONS =
      List.of("signing keys unavailable", "internal error");

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
    ConnectionAuth connection = ConnectionAuth.of(request.channel(), request.sslSession().orElse(null));
    Principal known = certificatesFirst ? connection.certificatePrincipal(clock.millis()) : null;
    if (known != null) {
      RequestPrincipal.set(request, known);
      CredentialLease.set(request, connection.certificateLease);
      return StageResult.proceedNow();
    }
    boolean verifiedCertificate = certificatesFirst && !connection.chain.isEmpty();
    if (!verifiedCertificate) {
      RateLimitDecision gate = lockout.checkSource(remote.getAddress());
      if (!gate.allowed()) {
        return decisions.sourceLockedOut(remote, gate.retryAfterSeconds());
      }
    }
    AuthRequest auth = AuthRequest.of(request.headers()::getAll, connection.chain, remote);
    CompletableFuture<Attempt> attempt;
    try {
      attempt = CompletableFuture.supplyAsync(() -> attempt(auth), executor);
    } catch (RejectedExecutionException e) {
      return decisions.refusals().busy();
    }
    // One request per connection is in flight, and each hand-off (to the executor, back to the
    // event loop) orders memory, so the connection state needs no locks.
    return attempt.thenCompose(a -> decide(request, connection, a));
  }

  /** The chain's result and the identity its deciding credential claimed (null: none). */
  private record Attempt(AuthResult result, String identity) {}

  private Attempt attempt(AuthRequest auth) {
    AuthResult result = chain.authenticate(auth);
    AuthMethod method = result instanceof AuthResult.Authenticated ok ? ok.principal().method()
        : result instanceof AuthResult.Rejected rejected ? rejected.method() : AuthMethod.NONE;
    return new Attempt(result,
        method == AuthMethod.NONE ? null : AttemptedIdentity.of(method, auth));
  }

  private CompletionStage<StageResult> decide(
      GatehouseRequest request, ConnectionAuth connection, Attempt attempt) {
    InetSocketAddress remote = request.remoteAddress();
    AuthResult result = attempt.result();
    if (attempt.identity() != null) {
      RateLimitDecision gate = lockout.checkIdentity(remote.getAddress(), attempt.identity());
      if (!gate.allowed()) {
        AuthMethod method = result instanceof AuthResult.Rejected r ? r.method()
            : ((AuthResult.Authenticated) result).principal().method();
        return decisions.identityLockedOut(method, remote, gate.retryAfterSeconds());
      }
    }
    if (result instanceof AuthResult.Authenticated ok) {
      Principal principal = ok.principal();
      if (principal.method() == AuthMethod.CERTIFICATE && !connection.chain.isEmpty()) {
        connection.certificatePrincipal = principal;
        connection.certificateNotAfterMillis = connection.chain.get(0).getNotAfter().getTime();
        connection.certificateLease = ok.lease();
      }
      if (principal.method() != AuthMethod.CERTIFICATE || !checksRevocation) {
        decisions.authenticated(principal, remote);
      }
      RequestPrincipal.set(request, principal);
      CredentialLease.set(request, ok.lease());
      return StageResult.proceedNow();
    }
    if (result instanceof AuthResult.Rejected rejected) {
      if (!serverSide(rejected.reason())) {
        lockout.recordFailure(remote.getAddress(), attempt.identity());
      }
      return decisions.rejected(rejected, remote);
    }
    // No credential at all: refused, but never counted (anyone behind the same NAT would pay).
    return decisions.noCredentials(remote);
  }

  private static boolean serverSide(String reason) {
    return SERVER_SIDE_REASONS.stream().anyMatch(reason::startsWith);
  }
}
