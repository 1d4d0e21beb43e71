package io.gatehouse.bench.report;

import io.gatehouse.bench.support.BenchPki;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/** The JMH suites and how long each mode measures them. */
public final class Suites {
  /** Every suite (regular expressions over benchmark names). */
  public static final List<String> ALL = List.of(
      "io\\.gatehouse\\.bench\\.primitives\\.",
      "io\\.gatehouse\\.bench\\.auth\\.",
      "io\\.gatehouse\\.bench\\.ocsp\\.",
      "io\\.gatehouse\\.bench\\.tls\\.",
      "io\\.gatehouse\\.bench\\.ca\\.");

  /**
   * {@code ./gatehouse bench ca-store} ({@code io.gatehouse.bench.castore.CaStoreSuite}): not in
   * {@link #ALL}, since it starts a PostgreSQL server and measures the store rather than a security
   * primitive.
   */
  public static final List<String> CA_STORE = List.of("io\\.gatehouse\\.bench\\.castore\\.");

  /** The crypto-bound part, where the JDK version matters most: what {@code --quick} runs on a second JDK. */
  public static final List<String> CRYPTO = List.of(
      "io\\.gatehouse\\.bench\\.primitives\\.SignatureVerifyBenchmark",
      "io\\.gatehouse\\.bench\\.primitives\\.HmacBenchmark",
      "io\\.gatehouse\\.bench\\.auth\\.AuthPathBenchmark\\.jwt");

  /** Iteration settings. */
  public enum Mode {
    /** CI smoke: in process, no warmup, one 100 ms iteration; catches breakage, measures nothing. */
    SMOKE(0, 0, 0, 1, 100),
    /** {@code --quick}: one fork, 1 × 1 s warmup, 3 × 0.4 s measurement. */
    QUICK(1, 1, 1000, 3, 400),
    /** The default: one fork, 2 × 2 s warmup, 3 × 2 s measurement. */
    FULL(1, 2, 2000, 3, 2000);

    final int forks;
    final int warmups;
    final int warmupMillis;
    final int iterations;
    final int iterationMillis;

    Mode(int forks, int warmups, int warmupMillis, int iterations, int iterationMillis) {
      this.forks = forks;
      this.warmups = warmups;
      this.warmupMillis = warmupMillis;
      this.iterations = iterations;
      this.iterationMillis = iterationMillis;
    }

    /** E.g. {@code 1 fork, warmup 1 × 500 ms, measurement 2 × 500 ms, average time per operation}. */
    public String describe() {
      return describe("average time per operation");
    }

    /** The iteration settings, then what a score is ({@code measured}). */
    public String describe(String measured) {
      return forks + (forks == 1 ? " fork" : " forks") + ", warmup " + warmups + " × " + warmupMillis
          + " ms, measurement " + iterations + " × " + iterationMillis + " ms, " + measured;
    }
  }

  private Suites() {}

  /**
   * Runs the benchmarks matching {@code includes}.
   *
   * @param java the JVM to fork (null: this one)
   * @param log where JMH's own output goes (null: stdout)
   * @param failOnError whether one failing benchmark fails the run (the smoke test), or is
   *     reported missing (a real run goes on)
   * @param pkiRoot a directory the forks share their benchmark CAs in (see {@code
   *     BenchPki.shared}), or null
   */
  public static Collection<RunResult> run(List<String> includes, Mode mode, String java, Path log,
      boolean failOnError, Path pkiRoot) throws RunnerException {
    return new Runner(options(includes, mode, java, log, failOnError, pkiRoot).build()).run();
  }

  /** The JMH options {@link #run} uses, for a suite that adds its own (parameters, JVM options). */
  public static ChainedOptionsBuilder options(List<String> includes, Mode mode, String java, Path log,
      boolean failOnError, Path pkiRoot) {
    if (mode == Mode.SMOKE) {
      // JMH allows one run per machine (/tmp/jmh.lock) so that runs do not skew each other; a
      // smoke run measures nothing, and must not fail because a real run is in progress.
      System.setProperty("jmh.ignoreLock", "true");
    }
    ChainedOptionsBuilder options = new OptionsBuilder()
        .forks(mode.forks)
        .warmupIterations(mode.warmups)
        .measurementIterations(mode.iterations)
        .measurementTime(TimeValue.milliseconds(mode.iterationMillis))
        .shouldFailOnError(failOnError)
        .verbosity(mode == Mode.SMOKE ? VerboseMode.SILENT : VerboseMode.NORMAL);
    if (mode.warmups > 0) {
      options.warmupTime(TimeValue.milliseconds(mode.warmupMillis));
    }
    includes.forEach(options::include);
    if (mode.forks > 0) {
      List<String> jvmArgs = new java.util.ArrayList<>(List.of("-Xms1g", "-Xmx1g", "-XX:+UseG1GC"));
      if (pkiRoot != null) {
        jvmArgs.add("-D" + BenchPki.SHARED_ROOT + "=" + pkiRoot.toAbsolutePath());
      }
      options.jvmArgs(jvmArgs.toArray(String[]::new));
      if (java != null) {
        options.jvm(java);
      }
    }
    if (log != null) {
      options.output(log.toString());
    }
    return options;
  }
}
