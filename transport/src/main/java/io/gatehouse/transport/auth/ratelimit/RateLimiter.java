package io.gatehouse.transport.auth.ratelimit;

import io.gatehouse.transport.setting.Setting;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.policy.Policy;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Token-bucket rate limits per principal, and per principal and tool, with the rates taken from
 * the current {@link Policy} on each call (so a reloaded policy applies at once). A bucket holds
 * one minute's worth of requests and refills continuously.
 *
 * <p>Buckets live in a bounded Caffeine cache and expire after one idle minute, when they would be
 * full again anyway, so neither callers nor tool names can grow memory without bound. Only
 * authenticated principals get buckets; unauthenticated sources are handled by {@link
 * AuthFailureLockout}.
 */
public final class RateLimiter {
  private static final Duration IDLE = Duration.ofMinutes(1);

  private final Ticker ticker;
  private final Cache<Key, TokenBucket> buckets;

  private RateLimiter(Ticker ticker, long maxKeys) {
    this.ticker = ticker;
    this.buckets = Caffeine.newBuilder().maximumSize(maxKeys).expireAfterAccess(IDLE).ticker(ticker).build();
  }

  /** Most (principal, tool) buckets kept. */
  public static final Setting<Long> MAX_KEYS =
      Setting.count("auth.rateLimits.maxKeys", 100_000, 1, null);

  /** A limiter with the default number of buckets on the system clock. */
  public static RateLimiter create() {
    return new RateLimiter(Ticker.systemTicker(), MAX_KEYS.defaultValue());
  }

  /** A limiter with at most {@code maxKeys} buckets, timed by {@code ticker} (tests move it). */
  public static RateLimiter create(long maxKeys, Ticker ticker) {
    return new RateLimiter(Objects.requireNonNull(ticker), MAX_KEYS.check(maxKeys));
  }

  /** Takes one request from {@code caller}'s budget ({@code rate_limits.default} / {@code .roles}). */
  public RateLimitDecision acquire(Principal caller, Policy policy) {
    return take(caller, "", policy.requestsPerMinute(caller));
  }

  /** Takes one call of {@code tool} from {@code caller}'s budget for it ({@code rate_limits.tools}). */
  public RateLimitDecision acquireTool(Principal caller, String tool, Policy policy) {
    return take(caller, tool, policy.toolRequestsPerMinute(tool));
  }

  private RateLimitDecision take(Principal caller, String tool, OptionalInt perMinute) {
    if (perMinute.isEmpty()) {
      return RateLimitDecision.ALLOWED;
    }
    long now = ticker.read();
    TokenBucket bucket = buckets.get(new Key(caller.method(), caller.id(), tool), k -> new TokenBucket(now));
    long waitNanos = bucket.tryTake(perMinute.getAsInt(), now);
    return waitNanos == 0 ? RateLimitDecision.ALLOWED : RateLimitDecision.retryAfterNanos(waitNanos);
  }

  /** Entries held now, after pending evictions (tests check the bound). */
  long size() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }

  private record Key(AuthMethod method, String principal, String tool) {}

  /** Starts full; capacity and rate come with each call so policy changes apply at once. */
  private static final class TokenBucket {
    private static final double NANOS_PER_MINUTE = 60e9;
    private double tokens = Double.MAX_VALUE; // clamped to capacity on first use
    private long last;

    TokenBucket(long now) {
      this.last = now;
    }

    /** 0 when a token was taken, else nanoseconds until one will be available. */
    synchronized long tryTake(int perMinute, long now) {
      double perNano = perMinute / NANOS_PER_MINUTE;
      tokens = Math.min(perMinute, tokens + Math.max(0, now - last) * perNano);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return (long) Math.ceil((1 - tokens) / perNano);
    }
  }
}
