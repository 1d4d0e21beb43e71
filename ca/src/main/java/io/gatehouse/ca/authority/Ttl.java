package io.gatehouse.ca.authority;

import io.gatehouse.ca.InvalidRequestException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lifetimes as users write them: {@code 30s}, {@code 15m}, {@code 24h}, {@code 7d}, or sums such as
 * {@code 1h30m}. Also accepts ISO-8601 ({@code PT24H}).
 */
public final class Ttl {
  private static final Pattern WHOLE = Pattern.compile("(\\d{1,9}[smhd])+");
  private static final Pattern PART = Pattern.compile("(\\d{1,9})([smhd])");

  private Ttl() {}

  /** Parses a lifetime; zero and negative lifetimes are refused. */
  public static Duration parse(String text) throws InvalidRequestException {
    String value = text == null ? "" : text.trim();
    Duration total = Duration.ZERO;
    if (WHOLE.matcher(value).matches()) {
      Matcher part = PART.matcher(value);
      while (part.find()) {
        long n = Long.parseLong(part.group(1));
        total = total.plus(switch (part.group(2)) {
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        });
      }
    } else {
      try {
        total = Duration.parse(value);
      } catch (RuntimeException e) {
        throw new InvalidRequestException(
            "invalid duration '" + value + "': use e.g. 30s, 15m, 24h, 7d or 1h30m");
      }
    }
    if (total.isNegative() || total.isZero()) {
      throw new InvalidRequestException("duration must be positive: '" + value + "'");
    }
    return total;
  }

  /** The shortest exact form: {@code 7d}, {@code 24h} is written {@code 1d}, {@code 90m}. */
  public static String format(Duration duration) {
    long seconds = duration.getSeconds();
    if (seconds % 86_400 == 0) {
      return seconds / 86_400 + "d";
    }
    if (seconds % 3_600 == 0) {
      return seconds / 3_600 + "h";
    }
    if (seconds % 60 == 0) {
      return seconds / 60 + "m";
    }
    return seconds + "s";
  }
}
