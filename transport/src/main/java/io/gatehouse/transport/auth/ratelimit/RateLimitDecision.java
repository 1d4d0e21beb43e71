package io.gatehouse.transport.auth.ratelimit;

/** Allowed, or refused with the seconds to put in {@code Retry-After} (at least 1). */
public final class RateLimitDecision {
  static final RateLimitDecision ALLOWED = new RateLimitDecision(0);

  private final long retryAfterSeconds;

  private RateLimitDecision(long retryAfterSeconds) {
    this.retryAfterSeconds = retryAfterSeconds;
  }

  static RateLimitDecision retryAfterNanos(long nanos) {
    return new RateLimitDecision(Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
  }

  /** True when the request may proceed. */
  public boolean allowed() {
    return retryAfterSeconds == 0;
  }

  /** Seconds until a retry can succeed; 0 when allowed. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  @Override
  public String toString() {
    return allowed() ? "allowed" : "retry after " + retryAfterSeconds + " s";
  }
}
