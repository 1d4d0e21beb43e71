package io.gatehouse.ca.authority;

import io.gatehouse.ca.InvalidRequestException;
import java.time.Duration;

/**
 * How long one kind of certificate (or token) may live: a default and a maximum, with a floor of
 * {@link #MINIMUM} for every kind.
 */
public record TtlPolicy(Duration defaultTtl, Duration maxTtl) {
  /** Nothing shorter: below this, clock skew and renewal jitter make certificates useless. */
  public static final Duration MINIMUM = Duration.ofMinutes(5);

  public TtlPolicy {
    if (maxTtl.compareTo(MINIMUM) < 0) {
      throw new IllegalArgumentException("maximum lifetime below " + Ttl.format(MINIMUM));
    }
    if (defaultTtl.compareTo(maxTtl) > 0) {
      defaultTtl = maxTtl;
    }
  }

  /**
   * The lifetime to use for a request: {@code requested} when given and within bounds, else the
   * default.
   *
   * @throws InvalidRequestException when the requested lifetime is out of bounds
   */
  public Duration resolve(Duration requested, String kind) throws InvalidRequestException {
    return resolve(requested, kind, MINIMUM);
  }

  /** As {@link #resolve(Duration, String)} with a different floor (tokens may be shorter). */
  public Duration resolve(Duration requested, String kind, Duration floor)
      throws InvalidRequestException {
    if (requested == null) {
      return defaultTtl;
    }
    if (requested.compareTo(floor) < 0 || requested.compareTo(maxTtl) > 0) {
      throw new InvalidRequestException(
          kind + " lifetime " + Ttl.format(requested) + " is out of bounds: use between "
              + Ttl.format(floor) + " and " + Ttl.format(maxTtl)
              + " (the maximum is set at ca init)");
    }
    return requested;
  }
}
