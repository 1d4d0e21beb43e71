package io.gatehouse.ca.est;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Token buckets per key (a source address, a provisioner): {@code perMinute} requests a minute
 * with a burst of the same size. Idle buckets expire, and the number of buckets is bounded, so a
 * spray of source addresses cannot grow memory without bound.
 */
final class RateLimiter {
  /** Most keys tracked at once. */
  private static final long MAX_KEYS = 100_000;

  private final int perMinute;
  private final LongSupplier nanoTime;
  private final Cache<String, Bucket> buckets;

  RateLimiter(int perMinute, LongSupplier nanoTime) {
    if (perMinute < 1) {
      throw new IllegalArgumentException("rate limit must be at least 1 a minute");
    }
    this.perMinute = perMinute;
    this.nanoTime = nanoTime;
    this.buckets = Caffeine.newBuilder().maximumSize(MAX_KEYS).expireAfterAccess(Duration.ofMinutes(2)).build();
  }

  /** Takes one token for {@code key}; returns 0 when allowed, else the seconds to wait. */
  long acquire(String key) {
    return buckets.get(key, k -> new Bucket(perMinute, nanoTime.getAsLong())).take(perMinute, nanoTime.getAsLong());
  }

  private static final class Bucket {
    private double tokens;
    private long last;

    Bucket(int capacity, long now) {
      this.tokens = capacity;
      this.last = now;
    }

    synchronized long take(int perMinute, long now) {
      double perNano = perMinute / 60e9;
      tokens = Math.min(perMinute, tokens + (now - last) * perNano);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) / perNano / 1e9));
    }
  }
}
