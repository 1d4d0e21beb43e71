package io.gatehouse.transport.auth.ratelimit;

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
  public static final class Builder {
    private int maxFailures = 10;
    private Duration window = Duration.ofMinutes(1);
    private Duration lockout = Duration.ofMinutes(5);
    private long maxSources = 100_000;
    private Ticker ticker = Ticker.systemTicker();

    private Builder() {}

    /** Failures within the window that lock a source; 1 to 1000. */
    public Builder maxFailures(int maxFailures) {
      if (maxFailures < 1 || maxFailures > 1000) {
        throw new IllegalArgumentException("maxFailures must be between 1 and 1000: " + maxFailures);
      }
      this.maxFailures = maxFailures;
      return this;
    }

    /** How far back failures count; 1 s to 24 h. */
    public Builder window(Duration window) {
      this.window = positive(window, "window");
      return this;
    }

    /** How long a locked source stays locked; 1 s to 24 h. */
    public Builder lockout(Duration lockout) {
      this.lockout = positive(lockout, "lockout");
      return this;
    }

    /** Most sources tracked at once. */
    public Builder maxSources(long maxSources) {
      if (maxSources < 1) {
        throw new IllegalArgumentException("maxSources must be positive");
      }
      this.maxSources = maxSources;
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

    private static Duration positive(Duration d, String name) {
      if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofHours(24)) > 0) {
        throw new IllegalArgumentException(name + " must be between 1 s and 24 h: " + d);
      }
      return d;
    }
  }
}
