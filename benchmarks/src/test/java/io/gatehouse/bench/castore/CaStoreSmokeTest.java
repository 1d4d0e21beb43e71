package io.gatehouse.bench.castore;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.bench.report.ResultsSections;
import io.gatehouse.bench.report.Suites;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ca-store} suite in smoke mode: every benchmark once in process on SQLite and on a real
 * PostgreSQL server, three revocations timed between two CA nodes per store, and the RESULTS.md
 * section written. Catches breakage, asserts nothing about speed — except that node B answers
 * {@code revoked} for every revocation within the timeout. Without PostgreSQL the SQLite rows
 * must still run, and the test is skipped loudly (failed under CI, where .ci/run installs it).
 */
class CaStoreSmokeTest {
  private static final List<String> METHODS = List.of("issue", "ocspSigned", "ocspPreSigned", "storeFind");

  @TempDir Path out;

  @Test
  void bothStoresAreMeasuredInOneRunAndTheSectionIsWritten() throws Exception {
    CaStoreSuite.Outcome outcome = CaStoreSuite.run(Suites.Mode.SMOKE, 3, null, true, message -> { });
    List<StoreKind> stores = outcome.postgresSkipped() == null ? List.of(StoreKind.values()) : List.of(StoreKind.SQLITE);
    assertThat(outcome.jmh().size()).isEqualTo(METHODS.size() * stores.size());
    for (StoreKind store : stores) {
      for (String method : METHODS) {
        assertThat(outcome.jmh().score("CaStoreBenchmark." + method + ":store=" + store.param()))
            .as(method + " on " + store).isPositive();
      }
    }
    assertThat(outcome.propagation()).extracting(RevokePropagation.Result::store).isEqualTo(stores);
    for (RevokePropagation.Result r : outcome.propagation()) {
      assertThat(r.revocations()).isEqualTo(3);
      assertThat(r.missed()).as("revocations node B never answered revoked, " + r.store()).isZero();
      assertThat(r.median()).isPositive().isLessThanOrEqualTo(r.percentile(0.99)).isLessThanOrEqualTo(r.max());
    }

    String section = CaStoreReport.markdown(outcome);
    Path results = out.resolve("RESULTS.md");
    Files.writeString(results, "# results\n\nthe main report\n");
    ResultsSections.write(results, CaStoreSuite.SECTION, section);
    ResultsSections.write(results, CaStoreSuite.SECTION, section); // replaced, not appended twice
    String md = Files.readString(results);
    assertThat(md).startsWith("# results\n\nthe main report\n");
    assertThat(ResultsSections.all(md)).hasSize(1);
    assertThat(md).contains("## CA store: SQLite beside PostgreSQL (", "**NOT steady state**",
        "| operation | SQLite ops/s | PostgreSQL ops/s | JMH ratio | interleaved ratio, median [range] |",
        "| SQLite | polling the file's change marker every 200 ms (one host only) | 3 |");

    if (outcome.postgresSkipped() != null) {
      assertThat(md).contains("**PostgreSQL rows SKIPPED**");
      String message = CaStoreSuite.postgresMissing(outcome.postgresSkipped());
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(message);
      }
      Assumptions.abort(message);
    }
    assertThat(outcome.ratios()).containsOnlyKeys(METHODS);
    outcome.ratios().forEach((method, ratio) -> {
      assertThat(ratio.ratios()).as(method).hasSize(CaStoreSuite.interleaved(Suites.Mode.SMOKE).rounds());
      assertThat(ratio.min()).as(method).isPositive();
    });
    assertThat(md).containsPattern(
        "\\| issue a client certificate[^|]*\\| [0-9,.]+ \\| [0-9,.]+ \\| [0-9.]+× \\| \\*\\*[0-9.]+×\\*\\* \\[[0-9.]+× – [0-9.]+×\\] \\|")
        .contains("| PostgreSQL | LISTEN/NOTIFY (pushed) | 3 |");
  }
}
