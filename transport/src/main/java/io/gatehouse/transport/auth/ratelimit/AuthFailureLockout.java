package io.gatehouse.transport.auth.ratelimit;

import io.gatehouse.transport.setting.Setting;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Locks out attempted identities after repeated refused credentials, and caps a source's refused
 * credentials as a whole:
 *
 * <ul>
 *   <li>per (source, attempted identity) — a JWT's {@code sub} (or {@code kid}), an API-key id, a
 *       certificate serial: {@code maxFailures} within {@code window} lock that identity, from that
 *       source only, for {@code lockout}. Guessing at X never locks Y, nor X from elsewhere.
 *   <li>per source: {@code maxFailuresPerSource} within {@code window} shed the source's further
 *       credential attempts for {@code lockout} (429). The pipeline exempts requests on a TLS
 *       session that carries a verified client certificate, so this cap cannot lock out mTLS
 *       clients that share the address (NAT, load balancer).
 * </ul>
 *
 * Only presented-and-refused credentials are recorded (the pipeline decides what counts). IPv6
 * sources are grouped by /64, since one host usually owns a whole /64. State lives in bounded
 * Caffeine caches, so spraying addresses or identities cannot grow memory; the price is that under
 * such a flood old entries may be evicted early.
 */
public final class AuthFailureLockout {
  /** Longest attempted identity kept as a key; longer ones are cut (they come from the client). */
  static final int MAX_IDENTITY_CHARS = 128;

  private final int maxFailures;
  private final int maxFailuresPerSource;
  private final long windowNanos;
  private final long lockoutNanos;
  private final Ticker ticker;
  private final Cache<String, Counter> identities;
  private final Cache<String, Counter> sources;

  private AuthFailureLockout(Builder b) {
    this.maxFailures = b.maxFailures;
    this.maxFailuresPerSource = b.maxFailuresPerSource;
    this.windowNanos = b.window.toNanos();
    this.lockoutNanos = b.lockout.toNanos();
    this.ticker = b.ticker;
    Duration idle = b.window.compareTo(b.lockout) > 0 ? b.window : b.lockout;
    this.identities = Caffeine.newBuilder().maximumSize(b.maxSources).expireAfterAccess(idle)
        .ticker(ticker).build();
    this.sources = Caffeine.newBuilder().maximumSize(b.maxSources).expireAfterAccess(idle)
        .ticker(ticker).build();
  }

  /**
   * Defaults: 10 failures of one identity within 1 minute lock it (from that source) for 5
   * minutes; 100 failures of any identities from one source shed that source for 5 minutes;
   * 100,000 entries tracked.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether {@code source} is under its cap of refused credentials. */
  public RateLimitDecision checkSource(InetAddress source) {
    return decision(sources.getIfPresent(key(source)));
  }

  /** Whether {@code identity} may be tried from {@code source} now. */
  public RateLimitDecision checkIdentity(InetAddress source, String identity) {
    return decision(identities.getIfPresent(identityKey(source, identity)));
  }

  /**
   * Counts one presented-and-refused credential for {@code identity} from {@code source}; may lock
   * the identity there, or shed the source.
   */
  public void recordFailure(InetAddress source, String identity) {
    long now = ticker.read();
    identities.get(identityKey(source, identity), k -> new Counter(now))
        .fail(now, maxFailures, windowNanos, lockoutNanos);
    sources.get(key(source), k -> new Counter(now))
        .fail(now, maxFailuresPerSource, windowNanos, lockoutNanos);
  }

  private RateLimitDecision decision(Counter state) {
    long wait = state == null ? 0 : state.lockedFor(ticker.read());
    return wait == 0 ? RateLimitDecision.ALLOWED : RateLimitDecision.retryAfterNanos(wait);
  }

  private static String identityKey(InetAddress source, String identity) {
    String id = identity == null ? "" : identity;
    return key(source) + " " + (id.length() > MAX_IDENTITY_CHARS ? id.substring(0, MAX_IDENTITY_CHARS) : id);
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
    identities.cleanUp();
    return Math.max(sources.estimatedSize(), identities.estimatedSize());
  }

  private static final class Counter {
    private int failures;
    private long windowStart;
    private long lockedUntil;

    Counter(long now) {
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

  /** Refused credentials of one identity from one source within {@link #WINDOW} that lock it. */
  public static final Setting<Integer> MAX_FAILURES =
      Setting.integer("auth.lockout.maxFailures", 10, 1, 1000);
  /** Refused credentials of any identities from one source within {@link #WINDOW} that shed it. */
  public static final Setting<Integer> MAX_FAILURES_PER_SOURCE =
      Setting.integer("auth.lockout.maxFailuresPerSource", 100, 1, 100_000);
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
    private int maxFailuresPerSource = MAX_FAILURES_PER_SOURCE.defaultValue();
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

    /** Failures of any identities from one source within the window that shed it; 1 to 100,000. */
    public Builder maxFailuresPerSource(int maxFailuresPerSource) {
      this.maxFailuresPerSource = MAX_FAILURES_PER_SOURCE.check(maxFailuresPerSource);
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

    /** Most sources, and most (source, identity) pairs, tracked at once. */
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
