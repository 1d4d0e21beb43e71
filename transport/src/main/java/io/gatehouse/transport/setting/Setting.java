package io.gatehouse.transport.setting;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * One configuration key's default and bounds, declared once as a constant next to the component
 * that owns it (like Caffeine, whose builder holds the checks its spec is applied through). The
 * config record calls {@link #orDefault} and the component's builder calls {@link #check}, so a
 * value the config accepts is one the component accepts, and the other way round.
 *
 * <pre>{@code
 * public static final Setting<Duration> MAX_CACHE_TTL = Setting.duration(
 *     "auth.revocation.maxCacheTtl", Duration.ofMinutes(5), Duration.ofSeconds(1), Duration.ofHours(24));
 * }</pre>
 *
 * @param <T> the value type
 */
public final class Setting<T extends Comparable<? super T>> {
  private final String key;
  private final T defaultValue;
  private final T min;
  private final T max;
  private final String range;

  private Setting(String key, T defaultValue, T min, T max, String range) {
    this.key = Objects.requireNonNull(key, "key");
    this.defaultValue = defaultValue;
    this.min = min;
    this.max = max;
    this.range = range;
    if (defaultValue != null) {
      check(defaultValue);
    }
  }

  /** A duration in {@code [min, max]}. */
  public static Setting<Duration> duration(String key, Duration defaultValue, Duration min,
      Duration max) {
    return new Setting<>(key, defaultValue, min, max,
        "between " + text(min) + " and " + text(max));
  }

  /** A duration above zero. */
  public static Setting<Duration> positiveDuration(String key, Duration defaultValue) {
    return new Setting<>(key, defaultValue, Duration.ofNanos(1), null, "positive");
  }

  /** An int in {@code [min, max]} ({@code max} null: unbounded); null default: unset. */
  public static Setting<Integer> integer(String key, Integer defaultValue, int min, Integer max) {
    return new Setting<>(key, defaultValue, min, max,
        range(min, max == null ? null : max.longValue()));
  }

  /** A TCP port, 0 (any free one) to 65535. */
  public static Setting<Integer> port(String key, int defaultValue) {
    return new Setting<>(key, defaultValue, 0, 65535, "0..65535");
  }

  /** A long in {@code [min, max]} ({@code max} null: unbounded). */
  public static Setting<Long> count(String key, long defaultValue, long min, Long max) {
    return new Setting<>(key, defaultValue, min, max, range(min, max));
  }

  private static String range(long min, Long max) {
    if (max == null) {
      return min == 1 ? "positive" : "at least " + min;
    }
    return min == 1 ? "positive and at most " + max : "between " + min + " and " + max;
  }

  /** The key's path in the configuration, e.g. {@code auth.lockout.maxFailures}. */
  public String key() {
    return key;
  }

  /** The default (null: unset, the owner decides at run time, e.g. one thread per processor). */
  public T defaultValue() {
    return defaultValue;
  }

  /** The allowed range in the user's terms, e.g. {@code between 1s and 24h}. */
  public String range() {
    return range;
  }

  /** {@code value}, or the default when it is null. */
  public T orDefault(T value) {
    return value == null ? defaultValue : check(value);
  }

  /**
   * {@code value} when it is within bounds.
   *
   * @throws IllegalArgumentException naming the key and the range, e.g. {@code
   *     auth.lockout.maxFailures must be positive and at most 1000, was 5000}
   */
  public T check(T value) {
    Objects.requireNonNull(value, key);
    if (min != null && value.compareTo(min) < 0 || max != null && value.compareTo(max) > 0) {
      throw new IllegalArgumentException(key + " must be " + range + ", was " + text(value));
    }
    return value;
  }

  /** How values are written in the config: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1d}. */
  public static String text(Object value) {
    if (value instanceof Duration d) {
      long ms = d.toMillis();
      if (ms != 0 && d.toNanos() % 1_000_000 == 0) {
        for (Object[] unit : new Object[][] {{86_400_000L, "d"}, {3_600_000L, "h"},
            {60_000L, "m"}, {1000L, "s"}}) {
          if (ms % (Long) unit[0] == 0) {
            return ms / (Long) unit[0] + (String) unit[1];
          }
        }
        return ms + "ms";
      }
      return d.isZero() ? "0s" : d.toString().substring(2).toLowerCase(Locale.ROOT);
    }
    return String.valueOf(value);
  }

  @Override
  public String toString() {
    return key + " (default " + text(defaultValue) + ", " + range + ")";
  }
}
