package io.gatehouse.transport.auth.revocation;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outcome of one OCSP exchange as cached: either a verified answer, with the decision it implies
 * (pre-wrapped so a cache hit allocates nothing) and when, on the cache's ticker, it expires and
 * should be refreshed; or a failure, which expires at once (never cached, but shared by the callers
 * that waited for the same exchange).
 */
final class OcspAnswer {
  /** How long to wait before trying again after a refresh was started (and possibly failed). */
  static final long REFRESH_RETRY_NANOS = 10_000_000_000L;

  final Optional<RevocationDecision> decision; // empty for a failure
  final String failure; // null for a verified answer
  final long expiresAtNanos;
  private final AtomicLong nextRefreshNanos;

  OcspAnswer(RevocationDecision decision, long expiresAtNanos, long refreshAtNanos) {
    this.decision = Optional.of(decision);
    this.failure = null;
    this.expiresAtNanos = expiresAtNanos;
    this.nextRefreshNanos = new AtomicLong(refreshAtNanos);
  }

  private OcspAnswer(String failure) {
    this.decision = Optional.empty();
    this.failure = failure;
    this.expiresAtNanos = 0;
    this.nextRefreshNanos = new AtomicLong(Long.MAX_VALUE);
  }

  static OcspAnswer failed(String why) {
    return new OcspAnswer(why);
  }

  /** True for exactly one caller once the refresh time has come (then again after a retry delay). */
  boolean claimRefresh(long nowNanos) {
    long next = nextRefreshNanos.get();
    return nowNanos >= next && nextRefreshNanos.compareAndSet(next, nowNanos + REFRESH_RETRY_NANOS);
  }
}
