package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.audit.AuditLog;
import io.gatehouse.transport.auth.revocation.RevocationDecision;
import io.gatehouse.transport.http.StageResult;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

/**
 * The one sink of the auth pipeline's decisions: each method records a decision in the audit log
 * and the meters together and, for a refusal, returns the response. Stages decide; this writes
 * down, so a decision can never be audited without being counted, or the other way round.
 */
final class Decisions {
  private final AuditLog audit;
  private final AuthMetrics metrics;
  private final Refusals refusals;

  Decisions(AuditLog audit, AuthMetrics metrics, Refusals refusals) {
    this.audit = audit;
    this.metrics = metrics;
    this.refusals = refusals;
  }

  /** The meters, for measurements that are not decisions (OCSP cache, latency). */
  AuthMetrics metrics() {
    return metrics;
  }

  /** The refusal responses, for refusals that are not audited decisions. */
  Refusals refusals() {
    return refusals;
  }

  /** 429: the source is over its cap of refused credentials (of any identities). */
  CompletionStage<StageResult> sourceLockedOut(InetSocketAddress remote, long retryAfterSeconds) {
    audit.authenticationRefused(AuthMethod.NONE, remote, "source over its cap of refused credentials");
    metrics.decision(AuthMethod.NONE, "locked_out");
    return refusals.tooMany(retryAfterSeconds, "too many failed authentications from this address");
  }

  /** 429: the identity the credential claims is locked out from this source. */
  CompletionStage<StageResult> identityLockedOut(AuthMethod method, InetSocketAddress remote,
      long retryAfterSeconds) {
    audit.authenticationRefused(method, remote, "identity locked out from this source");
    metrics.decision(method, "locked_out");
    return refusals.tooMany(retryAfterSeconds,
        "too many failed authentications for this identity from this address");
  }

  /** The caller is authenticated. */
  void authenticated(Principal principal, InetSocketAddress remote) {
    audit.authenticated(principal, remote);
    metrics.decision(principal.method(), "allow");
  }

  /** The caller is admitted although a check could not be completed (soft-fail). */
  void authenticatedWithWarning(Principal principal, InetSocketAddress remote, String warning) {
    audit.authenticatedWithWarning(principal, remote, warning);
    metrics.decision(principal.method(), "warn");
  }

  /** 401 for a rejected credential. */
  CompletionStage<StageResult> rejected(AuthResult.Rejected rejected, InetSocketAddress remote) {
    audit.authenticationRefused(rejected.method(), remote, rejected.reason());
    metrics.decision(rejected.method(), "deny");
    return refusals.unauthorized(rejected);
  }

  /** 401: no credential at all. */
  CompletionStage<StageResult> noCredentials(InetSocketAddress remote) {
    audit.authenticationRefused(AuthMethod.NONE, remote, "no credentials");
    metrics.decision(AuthMethod.NONE, "deny");
    return refusals.authenticationRequired();
  }

  /**
   * 401: an authenticated certificate is refused after all by the revocation check ({@code
   * status}: revoked, or unavailable under fail-closed).
   */
  CompletionStage<StageResult> certificateRefused(Principal principal, InetSocketAddress remote,
      String reason, RevocationDecision.Status status) {
    audit.authenticationRefused(principal, remote, reason);
    metrics.decision(principal.method(), "deny");
    return refusals.certificateRefused(status);
  }

  /** 403 for an HTTP resource the principal may not access. */
  CompletionStage<StageResult> resourceDenied(Principal principal, String resource,
      InetSocketAddress remote) {
    audit.resourceAccess(principal, resource, AuditLog.Decision.DENY, "not permitted", remote);
    return refusals.forbidden("resource:" + resource, "resource '" + resource + "'");
  }

  /**
   * 403 for an MCP prompt or resource the principal may not get or read ({@code scope}: {@code
   * prompt:<name>} or {@code resource:<uri>}); audited as a resource access.
   */
  CompletionStage<StageResult> primitiveDenied(Principal principal, String scope, String what,
      InetSocketAddress remote) {
    audit.resourceAccess(principal, scope, AuditLog.Decision.DENY, "not permitted", remote);
    return refusals.forbidden(scope, what);
  }

  /** Access to an HTTP resource is allowed. */
  void resourceAllowed(Principal principal, String resource, InetSocketAddress remote) {
    audit.resourceAccess(principal, resource, AuditLog.Decision.ALLOW, "", remote);
  }

  /** 403 for a tool the principal may not call ({@code tag}: its meter tag). */
  CompletionStage<StageResult> toolDenied(Principal principal, String tool, String tag,
      long startNanos, InetSocketAddress remote) {
    audit.toolCall(principal, tool, AuditLog.Decision.DENY, "not permitted", remote);
    metrics.toolCall(tag, "forbidden", System.nanoTime() - startNanos);
    return refusals.forbidden("tool:" + tool, "tool '" + tool + "'");
  }

  /**
   * 429: over a rate limit. {@code tool} null: not a tool call (nothing audited); else audited
   * and counted under {@code tag}.
   */
  CompletionStage<StageResult> rateLimited(Principal principal, String tool, String tag,
      long startNanos, long retryAfterSeconds, String description, InetSocketAddress remote) {
    if (tool != null) {
      audit.toolCall(principal, tool, AuditLog.Decision.DENY, "rate limited", remote);
      metrics.toolCall(tag, "rate_limited", System.nanoTime() - startNanos);
    }
    return refusals.tooMany(retryAfterSeconds, description);
  }

  /** The tool call is allowed (its latency is metered when it completes). */
  void toolAllowed(Principal principal, String tool, InetSocketAddress remote) {
    audit.toolCall(principal, tool, AuditLog.Decision.ALLOW, "", remote);
  }
}
