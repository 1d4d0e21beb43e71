package io.gatehouse.bench.report;

import io.gatehouse.bench.e2e.LoadHarness;
import io.gatehouse.bench.e2e.Target;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The e2e visits of one run folded into medians with their spread: one {@link Row} per target and
 * connection count (over the rounds), one {@link Memory} per target.
 */
public final class E2eSummary {
  /** The median of some rounds' values, with the smallest and largest. */
  public record Spread(double median, double min, double max, int n) {
    static final Spread NONE = new Spread(Double.NaN, Double.NaN, Double.NaN, 0);

    static Spread of(double[] values) {
      if (values.length == 0) {
        return NONE;
      }
      double[] v = values.clone();
      Arrays.sort(v);
      int mid = v.length / 2;
      double median = v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
      return new Spread(median, v[0], v[v.length - 1], v.length);
    }

    /** {@code median (min–max)} with {@code format} for each number; just the median for one value. */
    public String format(String format) {
      return format(format, 1);
    }

    /** As {@link #format(String)}, each number multiplied by {@code scale} first (e.g. µs to ms). */
    public String format(String format, double scale) {
      if (n == 0) {
        return "—";
      }
      String m = String.format(Locale.ROOT, format, median * scale);
      return n == 1 ? m : m + " (" + String.format(Locale.ROOT, format, min * scale) + "–"
          + String.format(Locale.ROOT, format, max * scale) + ")";
    }
  }

  /**
   * One target at one connection count, over the rounds. Latencies in µs. The flood fields are
   * zero (and {@code floodRefusedAs} empty) for targets without the revoked-certificate flood.
   */
  public record Row(Target target, int connections, Spread requestsPerSecond, Spread p50, Spread p99, Spread p999,
      Spread serverCpuMicrosPerRequest, Spread clientCpuMicrosPerRequest, Spread serverCpuCores, long errors,
      long requests, Spread floodRefusalsPerSecond, long floodRefusals, long floodAccepted, long floodOther,
      String floodRefusedAs) {}

  /** One target's memory, over the rounds, in bytes. */
  public record Memory(Target target, Spread bytesPerIdleSession, Spread bytesPerSseStream, Spread heapAfterLoad,
      boolean sseHeadsWithheld) {}

  private final List<LoadHarness.Visit> visits;
  private final List<Target> targets;
  private final List<Integer> connections;

  public E2eSummary(List<LoadHarness.Visit> visits) {
    this.visits = List.copyOf(visits);
    this.targets = visits.stream().map(LoadHarness.Visit::target).distinct().toList();
    this.connections = visits.stream().flatMap(v -> v.measurements().stream())
        .map(LoadHarness.Measurement::connections).distinct().sorted().toList();
  }

  public boolean isEmpty() {
    return visits.isEmpty();
  }

  /** The targets in the order they were first visited. */
  public List<Target> targets() {
    return targets;
  }

  /** The connection counts measured, ascending. */
  public List<Integer> connections() {
    return connections;
  }

  /** The visits that failed. */
  public List<LoadHarness.Visit> failures() {
    return visits.stream().filter(v -> !v.ok()).toList();
  }

  /** Completed visits of {@code target}. */
  public List<LoadHarness.Visit> visits(Target target) {
    return visits.stream().filter(v -> v.target() == target && v.ok()).toList();
  }

  /** {@code target} at {@code connections}, when at least one round measured it. */
  public Optional<Row> row(Target target, int connections) {
    List<LoadHarness.Measurement> ms = new ArrayList<>();
    for (LoadHarness.Visit v : visits(target)) {
      v.measurements().stream().filter(m -> m.connections() == connections).forEach(ms::add);
    }
    if (ms.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Row(target, connections, spread(ms, LoadHarness.Measurement::requestsPerSecond),
        spread(ms, LoadHarness.Measurement::p50), spread(ms, LoadHarness.Measurement::p99),
        spread(ms, LoadHarness.Measurement::p999), spread(ms, LoadHarness.Measurement::serverCpuMicrosPerRequest),
        spread(ms, LoadHarness.Measurement::clientCpuMicrosPerRequest),
        spread(ms, LoadHarness.Measurement::serverCpuCores),
        ms.stream().mapToLong(LoadHarness.Measurement::errors).sum(),
        ms.stream().mapToLong(LoadHarness.Measurement::requests).sum(),
        spread(ms, LoadHarness.Measurement::floodRefusalsPerSecond),
        ms.stream().mapToLong(LoadHarness.Measurement::floodRefusals).sum(),
        ms.stream().mapToLong(LoadHarness.Measurement::floodAccepted).sum(),
        ms.stream().mapToLong(LoadHarness.Measurement::floodOther).sum(),
        ms.stream().map(LoadHarness.Measurement::floodRefusedAs).filter(x -> !x.isEmpty()).distinct()
            .reduce((x, y) -> x + "; " + y).orElse("")));
  }

  /** {@code target}'s memory, when at least one visit completed. */
  public Optional<Memory> memory(Target target) {
    List<LoadHarness.Visit> vs = visits(target);
    if (vs.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Memory(target, spread(vs, LoadHarness.Visit::bytesPerIdleSession),
        spread(vs, LoadHarness.Visit::bytesPerSseStream), spread(vs, v -> (double) v.heapAfterLoad()),
        vs.stream().anyMatch(v -> v.sseHeadsSent() == 0)));
  }

  /** Seconds of warm-up load before measuring, over the visits of {@code target}. */
  public Spread preloadSeconds(Target target) {
    return spread(visits(target), LoadHarness.Visit::preloadSeconds);
  }

  /** How many visits of {@code target} reached the settle criterion. */
  public long settledVisits(Target target) {
    return visits(target).stream().filter(LoadHarness.Visit::settled).count();
  }

  /** The ratio of two medians, or empty when either is missing. */
  public static Optional<Double> ratio(Optional<Row> a, Optional<Row> b, ToDoubleFunction<Row> metric) {
    if (a.isEmpty() || b.isEmpty()) {
      return Optional.empty();
    }
    double x = metric.applyAsDouble(a.get());
    double y = metric.applyAsDouble(b.get());
    return Double.isNaN(x) || Double.isNaN(y) || y == 0 ? Optional.empty() : Optional.of(x / y);
  }

  private static <T> Spread spread(List<T> items, ToDoubleFunction<T> value) {
    return Spread.of(items.stream().mapToDouble(value).toArray());
  }
}
