package io.gatehouse.transport.auth.ratelimit;

import io.gatehouse.transport.config.Setting;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Locks out a source address after repeated failed authentications: {@code maxFailures} within
 * {@code window} lock it for {@code lockout} (the pipeline answers 429 with {@code Retry-After}
 * before even trying to authenticate). IPv6 sources are grouped by /64, since one host usually
 * owns a whole /64. State lives in a bounded Caffeine cache, so spraying addresses cannot grow
 * memory; the price is that under such a flood old entries may be evicted early.
 */
public final class AuthFailureLockout {
  private final int maxFailures;
  private final long windowNanos;
  private final long lockoutNanos;
  private final Ticker ticker;
  private final Cache<String, Source> sources;

  private AuthFailureLockout(Builder b) {
    this.maxFailures = b.maxFailures;
    this.windowNanos = b.window.toNanos();
    this.lockoutNanos = b.lockout.toNanos();
    this.ticker = b.ticker;
    this.sources =
        Caffeine.newBuilder()
            .maximumSize(b.maxSources)
            .expireAfterAccess(b.window.compareTo(b.lockout) > 0 ? b.window : b.lockout)
            .ticker(ticker)
            .build();
  }

  /** Defaults: 10 failures within 1 minute lock a source for 5 minutes; 100,000 sources tracked. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether {@code source} may try to authenticate now. */
  public RateLimitDecision check(InetAddress source) {
    Source state = sources.getIfPresent(key(source));
    long wait = state == null ? 0 : state.lockedFor(ticker.read());
    return wait == 0 ? RateLimitDecision.ALLOWED : RateLimitDecision.retryAfterNanos(wait);
  }

  /** Counts one failed authentication from {@code source}; may start a lockout. */
  public void recordFailure(InetAddress source) {
    long now = ticker.read();
    sources.get(key(source), k -> new Source(now)).fail(now, maxFailures, windowNanos, lockoutNanos);
  }

  static String key(InetAddress address) {
    byte[] bytes = address.getAddress();
    if (address instanceof Inet6Address) {
      return HexFormat.of().formatHex(bytes, 0, 8) + "::/64";
    }
    return address.getHostAddress();
  }

  /** Entries held now, after pending evictions (tests check the bound). */
  long size() {
    sources.cleanUp();
    return sources.estimatedSize();
  }

  private static final class Source {
    private int failures;
    private long windowStart;
    private long lockedUntil;

    Source(long now) {
      this.windowStart = now;
      this.lockedUntil = now;
    }

    synchronized long lockedFor(long now) {
      return Math.max(0, lockedUntil - now);
    }

    synchronized void fail(long now, int maxFailures, long windowNanos, long lockoutNanos) {
      if (now - windowStart > windowNanos) {
        windowStart = now;
        failures = 0;
      }
      if (++failures >= maxFailures) {
        lockedUntil = now + lockoutNanos;
        failures = 0;
        windowStart = now;
      }
    }
  }

  /** Settings for an {@link AuthFailureLockout}. */
  /** Failures from one source within {@link #WINDOW} that lock it out. */
  public static final Setting<Integer> MAX_FAILURES =
      Setting.integer("auth.lockout.maxFailures", 10, 1, 1000);
  /** How far back failures count. */
  public static final Setting<Duration> WINDOW = Setting.duration(
      "auth.lockout.window", Duration.ofMinutes(1), Duration.ofSeconds(1), Duration.ofHours(24));
  /** How long a locked source stays locked. */
  public static final Setting<Duration> DURATION = Setting.duration(
      "auth.lockout.duration", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofHours(24));
  /** Most sources tracked at once. */
  public static final Setting<Long> MAX_SOURCES =
      Setting.count("auth.lockout.maxSources", 100_000, 1, null);

  public static final class Builder {
    private int maxFailures = MAX_FAILURES.defaultValue();
    private Duration window = WINDOW.defaultValue();
    private Duration lockout = DURATION.defaultValue();
    private long maxSources = MAX_SOURCES.defaultValue();
    private Ticker ticker = Ticker.systemTicker();

    private Builder() {}

    /** Failures within the window that lock a source; 1 to 1000. */
    public Builder maxFailures(int maxFailures) {
      this.maxFailures = MAX_FAILURES.check(maxFailures);
      return this;
    }

    /** How far back failures count; 1 s to 24 h. */
    public Builder window(Duration window) {
      this.window = WINDOW.check(window);
      return this;
    }

    /** How long a locked source stays locked; 1 s to 24 h. */
    public Builder lockout(Duration lockout) {
      this.lockout = DURATION.check(lockout);
      return this;
    }

    /** Most sources tracked at once. */
    public Builder maxSources(long maxSources) {
      this.maxSources = MAX_SOURCES.check(maxSources);
      return this;
    }

    /** The time source (tests move it). */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker);
      return this;
    }

    public AuthFailureLockout build() {
      return new AuthFailureLockout(this);
    }
  }
}
