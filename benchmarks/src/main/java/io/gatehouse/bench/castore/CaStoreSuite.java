package io.gatehouse.bench.castore;

import io.gatehouse.bench.BenchMain;
import io.gatehouse.bench.report.ResultsSections;
import io.gatehouse.bench.report.Scores;
import io.gatehouse.bench.report.Suites;
import io.gatehouse.bench.support.BenchPostgres;
import io.gatehouse.bench.support.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;

/**
 * {@code ./gatehouse bench ca-store [--quick] [--revocations N] [--out DIR]}: starts one
 * PostgreSQL server for the run ({@link BenchPostgres}), runs {@link CaStoreBenchmark} on SQLite
 * and PostgreSQL in the same run, then {@link RevokePropagation} on each store, and writes the
 * {@value #SECTION} section of {@code RESULTS.md} ({@link CaStoreReport}). When PostgreSQL cannot
 * start, it says so loudly and measures the SQLite rows only.
 */
public final class CaStoreSuite {
  /** The RESULTS.md section this suite owns. */
  public static final String SECTION = "ca-store";

  private CaStoreSuite() {}

  /** Interleaved ratio rounds, by mode. */
  static InterleavedRounds.Settings interleaved(Suites.Mode mode) {
    return switch (mode) {
      case SMOKE -> new InterleavedRounds.Settings(2, 50, 50);
      case QUICK -> new InterleavedRounds.Settings(5, 1_000, 300);
      case FULL -> new InterleavedRounds.Settings(10, 2_000, 1_000);
    };
  }

  /** Revocations timed per store, by mode. */
  static int defaultRevocations(Suites.Mode mode) {
    return switch (mode) {
      case SMOKE -> 3;
      case QUICK -> 20;
      case FULL -> 50;
    };
  }

  /**
   * One run's results.
   *
   * @param jmh the JMH scores ({@code CaStoreBenchmark.<method>:store=<store>})
   * @param ratios PostgreSQL ÷ SQLite per operation from interleaved windows (empty without PostgreSQL)
   * @param propagation revoke-to-revoked per store
   * @param postgresSkipped why the PostgreSQL rows are missing, or null when they ran
   * @param postgresVersion the server's version, or null
   */
  public record Outcome(Suites.Mode mode, Scores jmh, Map<String, InterleavedRounds.Ratio> ratios,
      List<RevokePropagation.Result> propagation,
      String postgresSkipped, String postgresVersion, Instant started, Duration duration, String loadBefore,
      String loadAfter) {}

  /** The loud line said when the PostgreSQL rows cannot run. */
  static String postgresMissing(String reason) {
    return "!!!!! ca-store: PostgreSQL rows SKIPPED: cannot start a PostgreSQL server (" + reason
        + "). Install Debian's postgresql package (apt-get install -y postgresql). !!!!!";
  }

  /**
   * Runs the suite.
   *
   * @param log where JMH's own output goes (null: stdout)
   * @param failOnError whether a failing benchmark fails the run (the smoke test)
   */
  public static Outcome run(Suites.Mode mode, int revocations, Path log, boolean failOnError,
      Consumer<String> progress) throws Exception {
    Instant started = Instant.now();
    String loadBefore = BenchMain.loadAverage();
    Path root = TempDirs.create("ca-store");
    BenchPostgres postgres = null;
    String skipped = null;
    String version = null;
    try {
      try {
        progress.accept("starting a temporary PostgreSQL server");
        postgres = BenchPostgres.start();
        version = postgres.version();
      } catch (Exception e) {
        skipped = e.getMessage();
        System.err.println(postgresMissing(skipped));
      }
      ChainedOptionsBuilder options = Suites.options(Suites.CA_STORE, mode, null, log, failOnError, null);
      List<StoreKind> stores = postgres == null ? List.of(StoreKind.SQLITE) : List.of(StoreKind.values());
      options.param("store", stores.stream().map(StoreKind::param).toArray(String[]::new));
      // Forks get the shared CA root and the database as -D options; without forks (smoke), this JVM's properties.
      List<String> jvmArgs = new ArrayList<>(List.of("-D" + StoreKind.ROOT_PROPERTY + "=" + root));
      System.setProperty(StoreKind.ROOT_PROPERTY, root.toString());
      BenchPostgres.Database database = null;
      if (postgres != null) {
        database = postgres.migratedDatabase("bench_ca_store");
        jvmArgs.addAll(List.of(database.jvmArgs()));
        database.setSystemProperties();
      }
      options.jvmArgsAppend(jvmArgs.toArray(String[]::new));
      progress.accept("JMH: issuance and OCSP answers on " + stores + (log == null ? "" : " (log: " + log + ")"));
      Collection<RunResult> results = new Runner(options.build()).run();
      Map<String, InterleavedRounds.Ratio> ratios = Map.of();
      if (postgres != null) {
        InterleavedRounds.Settings settings = interleaved(mode);
        progress.accept("PostgreSQL ÷ SQLite in " + settings.rounds() + " interleaved rounds of "
            + settings.windowMillis() + " ms per store and operation");
        ratios = InterleavedRounds.measure(settings);
      }
      StoreKind.closeShared(); // the propagation nodes open the CAs themselves

      // On the CAs the JMH rows used (already created: no more PBKDF2 runs, and a store that is not empty).
      List<RevokePropagation.Result> propagation = new ArrayList<>();
      for (StoreKind store : stores) {
        progress.accept("revoke on node A -> revoked on node B, " + store.label() + ", " + revocations + " revocations");
        Path dir = store.sharedDir(root);
        propagation.add(store == StoreKind.SQLITE
            ? RevokePropagation.measure(store, dir, null, Map.of(), revocations)
            : RevokePropagation.measure(store, dir, database.url(), database.env(), revocations));
      }
      return new Outcome(mode, Scores.of(results, "this JVM"), ratios, propagation, skipped, version, started,
          Duration.between(started, Instant.now()), loadBefore, BenchMain.loadAverage());
    } finally {
      StoreKind.closeShared();
      System.clearProperty(StoreKind.ROOT_PROPERTY);
      BenchPostgres.Database.clearSystemProperties();
      if (postgres != null) {
        postgres.close();
      }
      TempDirs.delete(root);
    }
  }

  /** The command line (after {@code ca-store}). */
  public static void main(String[] args) throws Exception {
    Suites.Mode mode = Suites.Mode.FULL;
    Integer revocations = null;
    Path out = BenchMain.defaultOut();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> mode = Suites.Mode.QUICK;
        case "--revocations" -> {
          try {
            revocations = Integer.parseInt(i + 1 < args.length ? args[++i] : "");
          } catch (NumberFormatException e) {
            revocations = 0;
          }
          if (revocations < 1) {
            usage("--revocations needs a positive integer");
          }
        }
        case "--out" -> {
          if (i + 1 >= args.length) {
            usage("--out needs a directory");
          }
          out = Path.of(args[++i]);
        }
        case "-h", "--help" -> {
          System.out.println("usage: gatehouse bench ca-store [--quick] [--revocations N] [--out DIR]");
          return;
        }
        default -> usage("unknown option " + args[i]);
      }
    }
    Path logs = out.resolve("target");
    Files.createDirectories(logs);
    Outcome outcome = run(mode, revocations != null ? revocations : defaultRevocations(mode),
        logs.resolve("jmh-ca-store.log"), false, CaStoreSuite::progress);
    String section = CaStoreReport.markdown(outcome);
    ResultsSections.write(out.resolve("RESULTS.md"), SECTION, section);
    System.out.println(section);
    progress("wrote the " + SECTION + " section of " + out.resolve("RESULTS.md") + " in "
        + outcome.duration().toSeconds() + " s");
  }

  private static void usage(String message) {
    System.err.println("gatehouse bench ca-store: " + message + " (see --help)");
    System.exit(2);
  }

  private static void progress(String message) {
    System.err.println("[bench ca-store " + Instant.now().toString().substring(11, 19) + "] " + message);
  }
}
