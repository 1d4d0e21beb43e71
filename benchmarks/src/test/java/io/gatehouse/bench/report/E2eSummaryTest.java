package io.gatehouse.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.bench.e2e.LoadHarness;
import io.gatehouse.bench.e2e.Target;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Medians and spreads over interleaved rounds, as the e2e table reports them. */
class E2eSummaryTest {
  private static LoadHarness.Visit visit(Target target, int round, double rps8, double cpu8, double rps64) {
    return new LoadHarness.Visit(target, round, 45, true, List.of(1000.0, 1010.0),
        List.of(measurement(8, rps8, cpu8), measurement(64, rps64, 100)), 1 << 20, 1000 + round, 20_000, 5,
        "TLSv1.3 TLS_AES_128_GCM_SHA256", null);
  }

  private static LoadHarness.Measurement measurement(int connections, double rps, double cpu) {
    return new LoadHarness.Measurement(connections, 20, (long) (rps * 20), 0, rps, 500, 1500, 3000, 1.5, cpu, 40, 3);
  }

  @Test
  void medianAndRangeOverRoundsPerTargetAndConnectionCount() {
    E2eSummary summary = new E2eSummary(List.of(
        visit(Target.GATEHOUSE_PLAIN, 1, 10_000, 90, 12_000),
        visit(Target.SDK_JETTY, 1, 9_000, 100, 9_500),
        visit(Target.GATEHOUSE_PLAIN, 2, 11_000, 80, 12_500),
        visit(Target.SDK_JETTY, 2, 9_400, 96, 9_700),
        visit(Target.GATEHOUSE_PLAIN, 3, 13_000, 82, 12_100)));

    assertThat(summary.targets()).containsExactly(Target.GATEHOUSE_PLAIN, Target.SDK_JETTY);
    assertThat(summary.connections()).containsExactly(8, 64);
    E2eSummary.Row plain8 = summary.row(Target.GATEHOUSE_PLAIN, 8).orElseThrow();
    assertThat(plain8.requestsPerSecond()).isEqualTo(new E2eSummary.Spread(11_000, 10_000, 13_000, 3));
    assertThat(plain8.serverCpuMicrosPerRequest()).isEqualTo(new E2eSummary.Spread(82, 80, 90, 3));
    // an even number of rounds: the mean of the middle two
    assertThat(summary.row(Target.SDK_JETTY, 64).orElseThrow().requestsPerSecond().median()).isEqualTo(9_600);
    assertThat(plain8.requestsPerSecond().format("%,.0f")).isEqualTo("11,000 (10,000–13,000)");
    assertThat(plain8.p99().format("%.2f", 1e-3)).isEqualTo("1.50 (1.50–1.50)");
    assertThat(summary.memory(Target.GATEHOUSE_PLAIN).orElseThrow().bytesPerIdleSession().median()).isEqualTo(1002);
    assertThat(E2eSummary.ratio(summary.row(Target.GATEHOUSE_PLAIN, 8), summary.row(Target.SDK_JETTY, 8),
        r -> r.serverCpuMicrosPerRequest().median())).hasValue(82 / 98.0);
    assertThat(summary.row(Target.GATEHOUSE_AUTH, 8)).isEmpty();
  }

  @Test
  void aFailedVisitIsListedAndLeftOutOfTheMedians() {
    E2eSummary summary = new E2eSummary(List.of(visit(Target.SDK_JETTY, 1, 9_000, 100, 9_500),
        new LoadHarness.Visit(Target.SDK_JETTY, 2, 0, false, List.of(), List.of(), 0, 0, 0, 0, "", "boom")));
    assertThat(summary.failures()).extracting(LoadHarness.Visit::failure).containsExactly("boom");
    assertThat(summary.row(Target.SDK_JETTY, 8).orElseThrow().requestsPerSecond().n()).isEqualTo(1);
    assertThat(summary.row(Target.SDK_JETTY, 8).orElseThrow().requestsPerSecond().format("%,.0f")).isEqualTo("9,000");
  }
}
