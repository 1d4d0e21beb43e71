package io.gatehouse.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.bench.e2e.LoadHarness;
import io.gatehouse.bench.e2e.Target;
import io.gatehouse.bench.report.Report;
import io.gatehouse.bench.report.Scores;
import io.gatehouse.bench.report.Suites;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;

/**
 * CI smoke: one tiny in-process iteration of every JMH benchmark, a few seconds of e2e load per
 * target (smoke settings: one round, 2 and 4 connections; the 2026-07-28 targets included, whose
 * calls must come back as JSON responses; the revoked-certificate flood target at 4 connections,
 * whose flood must be refused), and the report written from what came out. Catches breakage (a benchmark whose
 * setup or path fails, a target that does not start or answers wrongly); asserts nothing about
 * speed.
 */
class BenchSmokeTest {
  /** Every benchmark and parameter combination the suites declare. */
  static final int BENCHMARKS = 6 + 1 + 5 // primitives: signatures, HMAC, raw baselines
      + 5 + 6                            // auth paths: JWT per algorithm, six others
      + 3                                // OCSP
      + 8                                // TLS handshakes: provider × key × full/resumed
      + 2;                               // CA issuance

  @TempDir Path out;

  @Test
  void everySuiteRunsAndTheReportIsWritten() throws Exception {
    Collection<RunResult> jmh = Suites.run(Suites.ALL, Suites.Mode.SMOKE, null, null, true, null);
    Scores scores = Scores.of(jmh, "this JVM");
    assertThat(scores.size()).isEqualTo(BENCHMARKS);
    for (String key : scores.keys()) {
      assertThat(scores.score(key)).as(key).isPositive();
    }

    List<LoadHarness.Visit> e2e;
    try (LoadHarness harness = new LoadHarness()) {
      e2e = harness.run(List.of(Target.values()), LoadHarness.Settings.smoke(), message -> { });
    }
    assertThat(e2e).hasSize(Target.values().length);
    for (LoadHarness.Visit v : e2e) {
      String target = v.target().name();
      assertThat(v.failure()).as(target).isNull();
      assertThat(v.tls()).as(target).startsWith("TLSv1.3");
      assertThat(v.preloadWindows()).as(target).isNotEmpty();
      // the flood target is measured at one connection count, the largest
      assertThat(v.measurements()).as(target).extracting(LoadHarness.Measurement::connections)
          .isEqualTo(v.target().revokedFlood() ? List.of(4) : LoadHarness.Settings.smoke().connections());
      for (LoadHarness.Measurement m : v.measurements()) {
        assertThat(m.requests()).as(target).isPositive();
        assertThat(m.errors()).as(target).isZero();
        assertThat(m.serverCpuMicrosPerRequest()).as(target + " server CPU per call").isPositive();
        assertThat(m.p999()).as(target).isGreaterThanOrEqualTo(m.p99()).isGreaterThanOrEqualTo(m.p50());
        if (v.target().revokedFlood()) {
          // the revoked certificate is refused, never admitted, while the legitimate calls above succeed
          assertThat(m.floodRefusals()).as("revoked-certificate refusals").isPositive();
          assertThat(m.floodAccepted()).as("revoked-certificate calls admitted").isZero();
          assertThat(m.floodRefusedAs()).as("how the revoked certificate is refused").contains("HTTP 401");
        } else {
          assertThat(m.floodRefusals()).as(target).isZero();
        }
      }
    }

    Report.RunInfo info = new Report.RunInfo(Suites.Mode.SMOKE, Instant.now(), Duration.ofSeconds(1),
        BenchMain.cpuModel(), Runtime.getRuntime().availableProcessors(), BenchMain.loadAverage(),
        BenchMain.loadAverage(), "not run", LoadHarness.Settings.smoke());
    new Report(scores, Scores.empty("not run"), e2e, info).write(out);
    String md = Files.readString(out.resolve("RESULTS.md"));
    assertThat(md).contains("## 1. Auth paths vs raw primitives", "## 6. End to end", "## 7. Goals",
        "JWT ES256, full verification (uncached)", Target.SDK_JETTY.label(), "Where Gatehouse loses",
        "| server CPU per call, auth on ÷ auth off (4 connections) |", Target.SDK_JETTY_MODERN.label(),
        "| the same for the 2026-07-28 stateless path (JSON responses), Gatehouse auth on ÷ SDK 2026-07-28 "
            + "servlet transport on Jetty (4 connections) |");
    // the 2026-07-28 targets are compared with the SDK's 2026-07-28 servlet transport, not the legacy one
    assertThat(md).contains("| " + Target.GATEHOUSE_MODERN_AUTH.label() + " | 4 |");
    // smoke settings are not the steady-state method: the e2e table itself must say so, on every row
    String e2eTable = md.substring(md.indexOf("## 6. End to end"), md.indexOf("## 7. Goals"));
    assertThat(e2eTable).contains("| target | connections | req/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/call");
    assertThat(e2eTable.lines().filter(l -> l.endsWith("| **NOT steady state** |")))
        .as("one row per target and connection count (the flood target: one count, plus its own table), each marked")
        .hasSize(2 * Target.values().length);
    assertThat(e2eTable).contains("| " + Target.GATEHOUSE_AUTH_REVOKED_FLOOD.label() + " | 4 |",
        "Revoked-certificate flood", "| connections | legit req/s | p99 ms | server CPU µs per legit call");
    assertThat(e2eTable).as("no memory row for the flood target, which has no memory step")
        .doesNotContain("| " + Target.GATEHOUSE_AUTH_REVOKED_FLOOD.label() + " | 0 |");
    String goals = md.substring(md.indexOf("## 7. Goals"), md.indexOf("## Where Gatehouse loses"));
    assertThat(goals).contains("### Also measured",
        "| server CPU per call with a revoked-certificate flood beside (4 flood connections, 4 legitimate connections)"
            + " — **NOT steady state** |");
    for (String png : List.of("results-auth-costs.png", "results-e2e.png")) {
      BufferedImage image = ImageIO.read(out.resolve(png).toFile());
      assertThat(image.getWidth()).as(png).isGreaterThan(1000);
    }
  }
}
