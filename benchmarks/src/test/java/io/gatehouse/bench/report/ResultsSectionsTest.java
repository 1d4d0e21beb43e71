package io.gatehouse.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sections a suite owns in RESULTS.md: replaced in place, appended once, extracted whole. */
class ResultsSectionsTest {
  @TempDir Path dir;

  @Test
  void aSectionIsAppendedOnceThenReplacedInPlace() {
    String md = ResultsSections.replace("# results\n\nbody\n", "ca-store", "## first\n");
    assertThat(md).isEqualTo("# results\n\nbody\n\n<!-- section:ca-store -->\n## first\n<!-- /section:ca-store -->\n");
    String withTail = md + "\n## later text\n";
    String replaced = ResultsSections.replace(withTail, "ca-store", "## second");
    assertThat(replaced).contains("## second").doesNotContain("## first").endsWith("\n## later text\n");
    assertThat(ResultsSections.all(replaced)).containsExactly(
        "<!-- section:ca-store -->\n## second\n<!-- /section:ca-store -->");
    assertThat(ResultsSections.all("no sections, <!-- section:open --> never closed")).isEmpty();
  }

  @Test
  void theMainReportKeepsTheSectionsOfOtherSuites() throws Exception {
    ResultsSections.write(dir.resolve("RESULTS.md"), "ca-store", "## CA store\n\n| a | b |");
    Report.RunInfo info = new Report.RunInfo(Suites.Mode.SMOKE, java.time.Instant.now(), java.time.Duration.ofSeconds(1),
        "cpu", 2, "1 / 1 / 1", "1 / 1 / 1", "not run", io.gatehouse.bench.e2e.LoadHarness.Settings.smoke());
    new Report(Scores.empty("x"), Scores.empty("x"), List.of(), info).write(dir);
    String md = Files.readString(dir.resolve("RESULTS.md"));
    assertThat(md).startsWith("# Gatehouse benchmark results");
    assertThat(ResultsSections.all(md)).containsExactly(
        "<!-- section:ca-store -->\n## CA store\n\n| a | b |\n<!-- /section:ca-store -->");
    new Report(Scores.empty("x"), Scores.empty("x"), List.of(), info).write(dir);
    assertThat(ResultsSections.all(Files.readString(dir.resolve("RESULTS.md")))).hasSize(1);
  }
}
