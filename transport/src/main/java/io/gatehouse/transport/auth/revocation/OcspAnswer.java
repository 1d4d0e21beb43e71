package io.gatehouse.transport.auth.revocation;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The outcome of one OCSP exchange as cached, with the decision it implies pre-wrapped so a cache
 * hit allocates nothing: either a verified answer, which expires at min(nextUpdate, max TTL) and is
 * refreshed ahead of that, or a failure, remembered briefly so an outage costs neither the callers
 * a timeout each nor the responder a request each.
 */
final class OcspAnswer {
  /** How long a failed exchange is remembered before the responder is asked again. */
  static final Duration FAILURE_MEMORY = Duration.ofSeconds(5);
  /** How long to wait before trying again after a refresh was started (and possibly failed). */
  static final long REFRESH_RETRY_NANOS = 10_000_000_000L;

  final Optional<RevocationDecision> decision;
  final boolean verified;
  final long expiresAtNanos;
  private final AtomicLong nextRefreshNanos;

  private OcspAnswer(RevocationDecision decision, boolean verified, long expiresAtNanos, long refreshAtNanos) {
    this.decision = Optional.of(decision);
    this.verified = verified;
    this.expiresAtNanos = expiresAtNanos;
    this.nextRefreshNanos = new AtomicLong(refreshAtNanos);
  }

  static OcspAnswer verified(RevocationDecision decision, long expiresAtNanos, long refreshAtNanos) {
    return new OcspAnswer(decision, true, expiresAtNanos, refreshAtNanos);
  }

  /** A failure: never refreshed, asked again once it expires. */
  static OcspAnswer failed(RevocationDecision unavailable, long expiresAtNanos) {
    return new OcspAnswer(unavailable, false, expiresAtNanos, Long.MAX_VALUE);
  }

  /**
   * Whether this answer is past its expiry at {@code nowNanos}. Checked on every use, not only by
   * the cache: an async cache applies expiry when the load's completion callback runs, which can
   * lag behind the callers that already received the answer.
   */
  boolean expiredAt(long nowNanos) {
    return nowNanos - expiresAtNanos >= 0;
  }

  /** True for exactly one caller once the refresh time has come (then again after a retry delay). */
  boolean claimRefresh(long nowNanos) {
    long next = nextRefreshNanos.get();
    return nowNanos >= next && nextRefreshNanos.compareAndSet(next, nowNanos + REFRESH_RETRY_NANOS);
  }
}
