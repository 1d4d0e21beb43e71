package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.CredentialLease;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.RequestPrincipal;
import io.gatehouse.transport.auth.cert.TrustedIssuers;
import io.gatehouse.transport.auth.ratelimit.AuthFailureLockout;
import io.gatehouse.transport.auth.revocation.RevocationChecker;
import io.gatehouse.transport.auth.revocation.RevocationDecision;
import io.gatehouse.transport.auth.revocation.RevocationTarget;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.http.StageResult;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Refuses revoked client certificates, on every request of a certificate principal: a cached OCSP
 * answer is used at once (a hash lookup); on a miss the check runs asynchronously and the
 * connection resumes when it completes. Unavailable status is refused (fail-closed) or admitted
 * with an audited warning (soft-fail). The revocation target is computed once per TLS session;
 * the issuer comes from the path validated to the trust bundle ({@link TrustedIssuers}, as last
 * loaded: it follows the bundle file), never from the certificates the client appended. Each
 * change of status on a connection is audited once. A refusal says the certificate was refused
 * (revoked, or status unavailable).
 */
final class RevocationStage implements RequestStage {
  private final RevocationChecker checker;
  private final Supplier<TrustedIssuers> issuers; // current: follows bundle reloads
  private final AuthFailureLockout lockout;
  private final Decisions decisions;
  private final AuthMetrics metrics;

  RevocationStage(RevocationChecker checker, Supplier<TrustedIssuers> issuers,
      AuthFailureLockout lockout, Decisions decisions) {
    this.checker = checker;
    this.issuers = issuers;
    this.lockout = lockout;
    this.decisions = decisions;
    this.metrics = decisions.metrics();
  }

  @Override
  public String name() {
    return "revocation";
  }

  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    Principal principal = RequestPrincipal.orNull(request);
    if (principal == null || principal.method() != AuthMethod.CERTIFICATE) {
      return StageResult.proceedNow();
    }
    ConnectionAuth connection =
        ConnectionAuth.of(request.channel(), request.sslSession().orElse(null));
    if (connection.revocationTarget == null) {
      Optional<RevocationTarget> target = target(connection.chain);
      if (target.isEmpty()) {
        return decide(request, connection, principal, null);
      }
      connection.revocationTarget = target.get();
    }
    RevocationTarget revocationTarget = connection.revocationTarget;
    // Open streams and sessions of this certificate are re-checked against the same cache.
    CredentialLease lease = CredentialLease.orNull(request);
    if (lease != null && !lease.hasRevalidation()) { // set once per lease, not a closure per request
      lease.revalidateWith(
          () -> checker.check(revocationTarget).thenApply(RevocationDecision::admitted));
    }
    Optional<RevocationDecision> cached = checker.cachedDecision(connection.revocationTarget);
    if (cached.isPresent()) {
      metrics.ocspHit();
      return decide(request, connection, principal, cached.get());
    }
    metrics.ocspMiss();
    long start = System.nanoTime();
    return checker.check(connection.revocationTarget).thenCompose(decision -> {
      metrics.ocspChecked(decision.status().name().toLowerCase(Locale.ROOT), System.nanoTime() - start);
      return decide(request, connection, principal, decision);
    });
  }

  /** {@code decision} null: no issuer found for the leaf (cannot happen after PKIX; fail closed). */
  private CompletionStage<StageResult> decide(GatehouseRequest request, ConnectionAuth connection,
      Principal principal, RevocationDecision decision) {
    InetSocketAddress remote = request.remoteAddress();
    RevocationDecision.Status status =
        decision == null ? RevocationDecision.Status.UNAVAILABLE : decision.status();
    boolean admitted = decision != null && decision.admitted();
    boolean changed = connection.auditedStatus != status;
    connection.auditedStatus = status;
    if (!admitted) {
      // Only a revoked certificate is a refused credential; an unavailable status is the
      // responder's fault and never counts (docs/security.md, "Lockout and audit under flood").
      if (status == RevocationDecision.Status.REVOKED) {
        lockout.recordFailure(remote.getAddress(),
            "cert:" + connection.chain.get(0).getSerialNumber().toString(16));
      }
      return decisions.certificateRefused(principal, remote,
          decision == null ? "no issuer of the certificate on a validated path to the trust bundle"
              : decision.detail(), status);
    }
    if (changed) {
      if (decision.isWarning()) {
        decisions.authenticatedWithWarning(principal, remote,
            "revocation status unavailable: " + decision.detail());
      } else {
        decisions.authenticated(principal, remote);
      }
    }
    return StageResult.proceedNow();
  }

  /**
   * The revocation target of the chain's leaf, with its issuer from the validated path to the
   * trust bundle: never from what the client appended after its leaf (finding "forged chains" in
   * docs/security.md).
   */
  private Optional<RevocationTarget> target(List<X509Certificate> chain) {
    return issuers.get().issuerOf(chain).flatMap(issuer -> {
      try {
        return Optional.of(checker.target(chain.get(0), issuer));
      } catch (IllegalArgumentException e) {
        return Optional.empty();
      }
    });
  }
}
