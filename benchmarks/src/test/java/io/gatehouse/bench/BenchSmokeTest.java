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
 * CI smoke: one tiny in-process iteration of every JMH benchmark, about two seconds of e2e load
 * per target, and the report written from what came out. Catches breakage (a benchmark whose
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

    List<LoadHarness.Result> e2e = new ArrayList<>();
    try (LoadHarness harness = new LoadHarness()) {
      for (Target target : Target.values()) {
        LoadHarness.Result r = harness.run(target, LoadHarness.Settings.smoke());
        assertThat(r.failure()).as(target.name()).isNull();
        assertThat(r.requests()).as(target.name()).isPositive();
        assertThat(r.errors()).as(target.name()).isZero();
        assertThat(r.tls()).as(target.name()).startsWith("TLSv1.3");
        e2e.add(r);
      }
    }

    Report.RunInfo info = new Report.RunInfo(Suites.Mode.SMOKE, Instant.now(), Duration.ofSeconds(1),
        BenchMain.cpuModel(), Runtime.getRuntime().availableProcessors(), BenchMain.loadAverage(),
        BenchMain.loadAverage(), "not run", LoadHarness.Settings.smoke());
    new Report(scores, Scores.empty("not run"), e2e, info).write(out);
    String md = Files.readString(out.resolve("RESULTS.md"));
    assertThat(md).contains("## 1. Auth paths vs raw primitives", "## 6. End to end",
        "JWT ES256, full verification (uncached)", Target.SDK_JETTY.label(), "Where Gatehouse loses");
    assertThat(md).doesNotContain("| JWT RS256, full verification (uncached) | — |");
    for (String png : List.of("results-auth-costs.png", "results-e2e.png")) {
      BufferedImage image = ImageIO.read(out.resolve(png).toFile());
      assertThat(image.getWidth()).as(png).isGreaterThan(1000);
    }
  }
}
