package io.gatehouse.bench.report;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;

/**
 * JMH results of one JVM, by key {@code Class.method} or {@code Class.method:p=v[,q=w]} (parameters
 * in name order), e.g. {@code AuthPathBenchmark.jwtUncached:alg=ES256}.
 */
public final class Scores {
  /**
   * One benchmark's result: the median of its measurement iterations (what the report uses: one
   * iteration disturbed by other load on a shared machine does not move it), JMH's mean and 99.9 %
   * error half-width (NaN with too few iterations), and the unit (µs/op in every suite).
   */
  public record Score(double median, double mean, double error, String unit) {}

  private final Map<String, Score> scores = new LinkedHashMap<>();
  private final String jdk;

  private Scores(String jdk) {
    this.jdk = jdk;
  }

  /** Collects {@code results}; {@code jdk} describes the JVM they ran on. */
  public static Scores of(Collection<RunResult> results, String fallbackJdk) {
    String jdk = results.stream().findFirst()
        .map(r -> r.getParams().getVmName() + " " + r.getParams().getJdkVersion()
            + " (" + r.getParams().getVmVersion() + ")")
        .orElse(fallbackJdk);
    Scores s = new Scores(jdk);
    for (RunResult r : results) {
      String benchmark = r.getParams().getBenchmark();
      String[] parts = benchmark.split("\\.");
      StringBuilder key = new StringBuilder(parts[parts.length - 2]).append('.').append(parts[parts.length - 1]);
      Map<String, String> params = new TreeMap<>();
      for (String p : r.getParams().getParamsKeys()) {
        params.put(p, r.getParams().getParam(p));
      }
      if (!params.isEmpty()) {
        key.append(':');
        params.forEach((k, v) -> key.append(k).append('=').append(v).append(','));
        key.setLength(key.length() - 1);
      }
      var primary = r.getPrimaryResult();
      double[] iterations = r.getBenchmarkResults().stream()
          .flatMap(b -> b.getIterationResults().stream())
          .mapToDouble(i -> i.getPrimaryResult().getScore())
          .sorted().toArray();
      double median = iterations.length == 0 ? primary.getScore()
          : iterations.length % 2 == 1 ? iterations[iterations.length / 2]
          : (iterations[iterations.length / 2 - 1] + iterations[iterations.length / 2]) / 2;
      s.scores.put(key.toString(), new Score(median, primary.getScore(), primary.getScoreError(),
          primary.getScoreUnit()));
    }
    return s;
  }

  /** No results (a suite that did not run). */
  public static Scores empty(String jdk) {
    return new Scores(jdk);
  }

  /** The JVM, e.g. {@code OpenJDK 64-Bit Server VM 17.0.15 (17.0.15+6-Debian-1deb12u1)}. */
  public String jdk() {
    return jdk;
  }

  /** The score under {@code key}, if that benchmark ran. */
  public Optional<Score> get(String key) {
    return Optional.ofNullable(scores.get(key));
  }

  /** The score (median iteration) under {@code key}, NaN when absent. */
  public double score(String key) {
    return get(key).map(Score::median).orElse(Double.NaN);
  }

  /** All keys, in run order. */
  public Collection<String> keys() {
    return scores.keySet();
  }

  /** How many benchmarks produced a score. */
  public int size() {
    return scores.size();
  }
}
