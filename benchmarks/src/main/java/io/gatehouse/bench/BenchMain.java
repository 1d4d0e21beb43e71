package io.gatehouse.bench;

import io.gatehouse.bench.castore.CaStoreSuite;
import io.gatehouse.bench.e2e.LoadHarness;
import io.gatehouse.bench.e2e.Target;
import io.gatehouse.bench.report.Report;
import io.gatehouse.bench.report.Scores;
import io.gatehouse.bench.report.Suites;
import io.gatehouse.bench.support.TempDirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;

/**
 * {@code ./gatehouse bench [--quick] [--out DIR] [--no-e2e] [--no-second-jdk] [--second-jdk JAVA_HOME]
 * [--connections 8,64[,256]] [--rounds N] [--targets T,...]}: runs every JMH suite on this JVM (and
 * the crypto suites, or all of them without {@code --quick}, on a second JDK when one is
 * installed), then the e2e harness ({@link LoadHarness.Settings#full} or, with {@code --quick},
 * {@link LoadHarness.Settings#quick}, which the report marks as not steady state), and writes
 * {@code RESULTS.md} with its charts. {@code --jmh ARGS...} hands the remaining arguments to JMH's
 * own command line. {@code ca-store [--quick] [--revocations N]} runs only the CA store suite
 * ({@link CaStoreSuite}: SQLite beside PostgreSQL) and writes its own section of RESULTS.md.
 */
public final class BenchMain {
  /** Where a second JDK is looked for when none is given. */
  static final Path DEFAULT_SECOND_JDK = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("--jmh")) {
      org.openjdk.jmh.Main.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    if (args.length > 0 && args[0].equals(CaStoreSuite.SECTION)) {
      CaStoreSuite.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    boolean quick = false;
    boolean e2e = true;
    Path secondJdk = DEFAULT_SECOND_JDK;
    Path out = defaultOut();
    List<Integer> connections = null;
    Integer rounds = null;
    List<Target> targets = List.of(Target.values());
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--no-e2e" -> e2e = false;
        case "--no-second-jdk" -> secondJdk = null;
        case "--second-jdk" -> secondJdk = Path.of(value(args, ++i));
        case "--out" -> out = Path.of(value(args, ++i));
        case "--connections" -> connections = parsed(args, ++i, LoadHarness::parseCounts);
        case "--rounds" -> rounds = parsed(args, ++i, Integer::parseInt);
        case "--targets" -> targets = parsed(args, ++i, v -> Arrays.stream(v.split(",")).map(String::trim)
            .map(Target::valueOf).toList());
        case "-h", "--help" -> {
          System.out.println("usage: gatehouse bench [--quick] [--out DIR] [--no-e2e] [--no-second-jdk]"
              + " [--second-jdk JAVA_HOME] [--connections 8,64[,256]] [--rounds N] [--targets T,...]"
              + " | --jmh JMH-ARGS... | ca-store [--quick] [--revocations N] [--out DIR]");
          return;
        }
        default -> usage("unknown option " + args[i]);
      }
    }
    Suites.Mode mode = quick ? Suites.Mode.QUICK : Suites.Mode.FULL;
    // Checked before the JMH suites run, so a bad e2e option fails in seconds, not after them.
    LoadHarness.Settings settings = quick ? LoadHarness.Settings.quick() : LoadHarness.Settings.full();
    try {
      if (connections != null) {
        settings = settings.withConnections(connections);
      }
      if (rounds != null) {
        settings = settings.withRounds(rounds);
      }
    } catch (IllegalArgumentException e) {
      usage(e.getMessage());
    }
    Instant started = Instant.now();
    String loadBefore = loadAverage();
    Path logs = out.resolve("target");
    Files.createDirectories(logs);

    String mainJdk = System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
    progress("JMH, all suites, on " + mainJdk + " (log: " + logs.resolve("jmh-main.log") + ")");
    Path pkiRoot = TempDirs.create("pki");
    Scores main = Scores.of(Suites.run(Suites.ALL, mode, null, logs.resolve("jmh-main.log"), false, pkiRoot), mainJdk);

    Scores second = Scores.empty("not run");
    String secondNote = "none found at " + DEFAULT_SECOND_JDK;
    Path secondJava = secondJdk == null ? null : secondJdk.resolve("bin").resolve("java");
    if (secondJdk == null) {
      secondNote = "not run (--no-second-jdk)";
    } else if (Files.isExecutable(secondJava)
        && !secondJdk.toRealPath().equals(Path.of(System.getProperty("java.home")).toRealPath())) {
      List<String> suites = quick ? Suites.CRYPTO : Suites.ALL;
      progress("JMH, " + (quick ? "crypto suites" : "all suites") + ", on " + secondJdk
          + " (log: " + logs.resolve("jmh-second.log") + ")");
      List<RunResult> results = new ArrayList<>(
          Suites.run(suites, mode, secondJava.toString(), logs.resolve("jmh-second.log"), false, pkiRoot));
      second = Scores.of(results, secondJdk.toString());
    }

    TempDirs.delete(pkiRoot);

    List<LoadHarness.Visit> results = new ArrayList<>();
    if (e2e) {
      try (LoadHarness harness = new LoadHarness()) {
        results.addAll(harness.run(targets, settings, BenchMain::progress));
      }
    }

    Report.RunInfo info = new Report.RunInfo(mode, started, Duration.between(started, Instant.now()),
        cpuModel(), Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage(), secondNote, settings);
    new Report(main, second, results, info).write(out);
    progress("wrote " + out.resolve("RESULTS.md") + " (" + main.size() + " + " + second.size()
        + " JMH scores, " + results.size() + " e2e visits) in " + info.duration().toSeconds() + " s");
  }

  /**
   * The {@code benchmarks/} module directory when running from {@code benchmarks/target/benchmarks.jar}
   * (so {@code ./gatehouse bench} writes {@code benchmarks/RESULTS.md} from any directory), else
   * {@code ./benchmarks} if it exists, else the current directory.
   */
  public static Path defaultOut() {
    try {
      Path jar = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (jar.getFileName().toString().equals("benchmarks.jar") && jar.getParent() != null
          && jar.getParent().getFileName().toString().equals("target")) {
        return jar.getParent().getParent();
      }
    } catch (java.net.URISyntaxException | RuntimeException e) {
      // not from a jar on disk: fall through
    }
    return Files.isDirectory(Path.of("benchmarks")) ? Path.of("benchmarks") : Path.of(".");
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      usage(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  /** The option value at {@code i} parsed, or exit with a usage error naming the option. */
  private static <T> T parsed(String[] args, int i, java.util.function.Function<String, T> parser) {
    String v = value(args, i);
    try {
      return parser.apply(v);
    } catch (IllegalArgumentException e) {
      usage(args[i - 1] + ": cannot use '" + v + "' (targets: " + Arrays.toString(Target.values())
          + "; counts and rounds: positive integers, comma-separated for --connections)");
      return null;
    }
  }

  private static void usage(String message) {
    System.err.println("gatehouse bench: " + message + " (see --help)");
    System.exit(2);
  }

  private static void progress(String message) {
    System.err.println("[bench " + Instant.now().toString().substring(11, 19) + "] " + message);
  }

  /** The {@code model name} of the first CPU in {@code /proc/cpuinfo}, or the OS arch. */
  public static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst().orElse(System.getProperty("os.arch"));
    } catch (IOException e) {
      return System.getProperty("os.arch");
    }
  }

  /** The three load averages from {@code /proc/loadavg}, or "unknown". */
  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " / " + f[1] + " / " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
