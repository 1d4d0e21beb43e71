package io.gatehouse.bench.e2e;

import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.bench.support.CaFixture;
import io.gatehouse.pki.tls.PemSslContexts;
import io.gatehouse.bench.support.TempDirs;
import io.gatehouse.ca.db.RevocationReason;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The end-to-end load harness. Concurrent MCP clients, each on its own keep-alive mTLS connection
 * and MCP session, call the {@code echo} tool back to back against one target running in its own
 * JVM; the target's CPU time is read from that JVM, so CPU per call is the server's alone.
 *
 * <p>The method (docs/benchmarks.md, "End to end"): targets are visited in interleaved rounds
 * (A B C D, A B C D, …), each visit a fresh JVM. A visit first loads the target until it is warm:
 * at least {@link Settings#minPreload} and until throughput over two successive {@link
 * Settings#window}s differs by less than {@link Settings#settleTolerance} (both must hold; at
 * {@link Settings#maxPreload} the visit goes on and says it did not settle). Then, for each
 * connection count, a fresh set of clients gets {@link Settings#warmup} and {@link
 * Settings#measure}. Then the memory held by idle sessions and by open SSE streams. Every target
 * gets the same TLS material (EC P-256, issued by the Gatehouse CA) and the same client ({@link
 * McpHttpClient}).
 */
public final class LoadHarness implements AutoCloseable {
  /**
   * How hard and how long.
   *
   * @param connections the connection counts measured, one client per connection, in this order
   * @param rounds how many interleaved rounds (each visits every target once, in a fresh JVM)
   * @param preloadClients connections during the warm-up load before the first measurement
   * @param minPreload warm-up load at least this long
   * @param maxPreload give up waiting for throughput to settle after this long
   * @param window the throughput window the settle test compares
   * @param settleTolerance settled when two successive windows differ by less than this fraction
   * @param warmup load before each measurement with that measurement's connections
   * @param measure the measured window
   * @param steadyState whether these settings are the steady-state method; false marks every
   *     number as not steady state in the report
   */
  public record Settings(List<Integer> connections, int rounds, int preloadClients, Duration minPreload,
      Duration maxPreload, Duration window, double settleTolerance, Duration warmup, Duration measure,
      int idleSessions, int sseStreams, boolean steadyState) {
    public Settings {
      connections = List.copyOf(connections);
      if (connections.isEmpty() || connections.stream().anyMatch(c -> c < 1) || rounds < 1 || preloadClients < 1) {
        throw new IllegalArgumentException("connections, rounds and preload clients must be positive");
      }
    }

    /**
     * The steady-state method: 32 connections for at least 40 s and until two successive 5 s
     * windows differ by less than 5 % (at most 180 s), then 10 s warm-up and 20 s measured at 8 and
     * 64 connections; two rounds.
     */
    public static Settings full() {
      return new Settings(List.of(8, 64), 2, 32, Duration.ofSeconds(40), Duration.ofSeconds(180),
          Duration.ofSeconds(5), 0.05, Duration.ofSeconds(10), Duration.ofSeconds(20), 2000, 200, true);
    }

    /** {@code --quick}: the same shape in seconds. Not steady state, and the report says so. */
    public static Settings quick() {
      return new Settings(List.of(8, 64), 2, 16, Duration.ofSeconds(5), Duration.ofSeconds(5),
          Duration.ofSeconds(1), 0.05, Duration.ofSeconds(2), Duration.ofSeconds(3), 300, 30, false);
    }

    /** About eight seconds per target: for the CI smoke test. */
    public static Settings smoke() {
      return new Settings(List.of(2, 4), 1, 2, Duration.ofMillis(500), Duration.ofMillis(500),
          Duration.ofMillis(250), 0.05, Duration.ofMillis(300), Duration.ofMillis(1000), 20, 5, false);
    }

    /** The same settings with other connection counts. */
    public Settings withConnections(List<Integer> counts) {
      return new Settings(counts, rounds, preloadClients, minPreload, maxPreload, window, settleTolerance, warmup,
          measure, idleSessions, sseStreams, steadyState);
    }

    /** The same settings with another number of rounds. */
    public Settings withRounds(int n) {
      return new Settings(connections, n, preloadClients, minPreload, maxPreload, window, settleTolerance, warmup,
          measure, idleSessions, sseStreams, steadyState);
    }
  }

  /**
   * One measured window at one connection count. Latencies in microseconds, over the calls that
   * started and ended inside the window. The {@code flood*} fields count, for {@link
   * Target#GATEHOUSE_AUTH_REVOKED_FLOOD}, the revoked-certificate connections that ended in the
   * window: refused (HTTP 401/403/429 or a TLS alert, {@code floodRefusedAs} says which), answered as if
   * admitted (must stay 0), or failed otherwise.
   */
  public record Measurement(int connections, double seconds, long requests, long errors, double requestsPerSecond,
      double p50, double p99, double p999, double serverCpuCores, double serverCpuMicrosPerRequest,
      double clientCpuMicrosPerRequest, long serverGcCount, long floodRefusals, long floodAccepted,
      long floodOther, String floodRefusedAs) {
    /** A measurement without a flood beside it. */
    public Measurement(int connections, double seconds, long requests, long errors, double requestsPerSecond,
        double p50, double p99, double p999, double serverCpuCores, double serverCpuMicrosPerRequest,
        double clientCpuMicrosPerRequest, long serverGcCount) {
      this(connections, seconds, requests, errors, requestsPerSecond, p50, p99, p999, serverCpuCores,
          serverCpuMicrosPerRequest, clientCpuMicrosPerRequest, serverGcCount, 0, 0, 0, "");
    }

    /** Refused revoked-certificate connections per second of the window (0 without a flood). */
    public double floodRefusalsPerSecond() {
      return seconds == 0 ? 0 : floodRefusals / seconds;
    }
  }

  /**
   * One visit of one target in one round (one JVM): its warm-up, its measurements, its memory.
   * Memory in bytes; {@code preloadWindows} is the throughput (req/s) of each settle window.
   */
  public record Visit(Target target, int round, double preloadSeconds, boolean settled, List<Double> preloadWindows,
      List<Measurement> measurements, long heapAfterLoad, double bytesPerIdleSession, double bytesPerSseStream,
      int sseHeadsSent, String tls, String failure) {
    static Visit failed(Target target, int round, String why) {
      return new Visit(target, round, 0, false, List.of(), List.of(), 0, 0, 0, 0, "", why);
    }

    /** True when the visit completed (errors during it are counted, not fatal). */
    public boolean ok() {
      return failure == null;
    }
  }

  /** The RBAC policy of the auth-on target: the client's role may call the echo tool. */
  static final String POLICY = """
      roles:
        admin:
          includes: [viewer]
          tools: ["*"]
        viewer:
          tools: ["echo", "crm.read_*"]
      """;

  /**
   * System property with extra JVM arguments for the target JVMs, space-separated (e.g.
   * {@code -XX:StartFlightRecording=filename=server.jfr} to profile a target).
   */
  public static final String EXTRA_JVM_ARGS = "gatehouse.bench.serverJvmArgs";

  /**
   * System property naming a directory: when set, every measured window is also recorded with
   * JFR inside the target JVM ({@code profile} settings), into {@code
   * <TARGET>-round<N>-<connections>c.jfr} there. Read with {@code io.gatehouse.bench.report.JfrSplit}.
   */
  public static final String PROFILE_DIR = "gatehouse.bench.profileDir";

  /**
   * System property with the target JVMs' class path (default: the harness's own): to measure
   * another build of the server (e.g. before and after a change) with the same client.
   */
  public static final String SERVER_CLASSPATH = "gatehouse.bench.serverClasspath";

  /**
   * Connections the revoked-certificate flood keeps busy beside the measured load, each opening a
   * new mTLS connection as soon as the last one was refused: a moderate, steady attack.
   */
  public static final int FLOOD_CONNECTIONS = 4;

  /** The legitimate connection count the flood target is measured at, when the run measures it. */
  static final int FLOOD_MEASURED_CONNECTIONS = 64;

  /** How often a client's connection and session setup is tried before the visit fails. */
  static final int SETUP_ATTEMPTS = 5;

  private final Path dir = TempDirs.create("e2e");
  private final CaFixture ca;
  private final BenchPki pki;
  private final BenchPki.Leaf server;
  private final SSLContext clientTls;
  private final SSLContext revokedClientTls;
  private final Path policy;

  /**
   * Issues the shared TLS material from a Gatehouse CA in a temp directory (and one revoked client
   * certificate for the flood), and serves that CA's OCSP responder ({@code ca serve}) on loopback
   * for the auth-on targets' revocation checks.
   */
  public LoadHarness() {
    try {
      ca = new CaFixture();
      pki = ca.pki();
      server = pki.server();
      BenchPki.Leaf client = pki.client("bench-client", "viewer");
      clientTls = PemSslContexts.fromPem(pki.chainPem(), client.certificatePem(), client.keyPem());
      // Same CA, same role; revoked in the CA's store, so its OCSP responder answers "revoked".
      BenchPki.Leaf revoked = pki.client("bench-revoked", "viewer");
      pki.ca().store().revoke(revoked.certificate().getSerialNumber(), RevocationReason.KEY_COMPROMISE, Instant.now());
      revokedClientTls = PemSslContexts.fromPem(pki.chainPem(), revoked.certificatePem(), revoked.keyPem());
      policy = Files.writeString(dir.resolve("policy.yaml"), POLICY);
    } catch (Exception e) {
      close();
      throw new IllegalStateException("e2e setup: " + e.getMessage(), e);
    }
  }

  /**
   * Standalone, without JMH and without a report: {@code LoadHarness [--quick|--smoke]
   * [--connections 8,64] [--rounds N] [TARGET ...]} prints one line per visit and measurement.
   * Full (steady-state) settings unless {@code --quick} or {@code --smoke}.
   */
  public static void main(String[] args) {
    Settings settings = Settings.full();
    List<Target> targets = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> settings = Settings.quick();
        case "--smoke" -> settings = Settings.smoke();
        case "--connections" -> settings = settings.withConnections(parseCounts(args[++i]));
        case "--rounds" -> settings = settings.withRounds(Integer.parseInt(args[++i]));
        default -> targets.add(Target.valueOf(args[i]));
      }
    }
    if (targets.isEmpty()) {
      targets.addAll(List.of(Target.values()));
    }
    try (LoadHarness harness = new LoadHarness()) {
      for (Visit v : harness.run(targets, settings, System.err::println)) {
        System.out.println(describe(v));
        v.measurements().forEach(m -> System.out.println("  " + m));
      }
    }
  }

  /** {@code 8,64,256} as a list. */
  public static List<Integer> parseCounts(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::parseInt).toList();
  }

  /** A one-line summary of a visit, for progress output. */
  public static String describe(Visit v) {
    if (!v.ok()) {
      return v.target() + " round " + v.round() + ": failed: " + v.failure();
    }
    StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s round %d: warm-up %.0f s (%s)", v.target(),
        v.round(), v.preloadSeconds(), v.settled() ? "settled" : "not settled"));
    for (Measurement m : v.measurements()) {
      s.append(String.format(Locale.ROOT, "; %d conns: %,.0f req/s, p99 %.2f ms, server %.0f µs/call, %d errors",
          m.connections(), m.requestsPerSecond(), m.p99() / 1000, m.serverCpuMicrosPerRequest(), m.errors()));
      if (v.target().revokedFlood()) {
        s.append(String.format(Locale.ROOT, "; flood: %,.0f refusals/s (%s), %d admitted, %d other",
            m.floodRefusalsPerSecond(), m.floodRefusedAs(), m.floodAccepted(), m.floodOther()));
      }
    }
    return s.toString();
  }

  /**
   * Runs {@code settings.rounds()} interleaved rounds over {@code targets}: every target once per
   * round, each visit in a fresh JVM. A visit that fails gives a failed {@link Visit}; the run goes on.
   */
  public List<Visit> run(List<Target> targets, Settings settings, Consumer<String> progress) {
    List<Visit> visits = new ArrayList<>();
    for (int round = 1; round <= settings.rounds(); round++) {
      for (Target target : targets) {
        progress.accept("e2e round " + round + "/" + settings.rounds() + ": " + target.label());
        Visit v = visit(target, round, settings);
        progress.accept("  " + describe(v));
        visits.add(v);
      }
    }
    return visits;
  }

  /** One visit: a fresh JVM for {@code target}, warmed up, measured at each connection count, then memory. */
  public Visit visit(Target target, int round, Settings settings) {
    try (ServerProcess process = new ServerProcess(target);
        Flood flood = target.revokedFlood() ? new Flood(process) : null) {
      // The flood runs from the start, so the refusal path is as warm as the legitimate one.
      Preload preload = preload(process, settings);
      List<Measurement> measurements = new ArrayList<>();
      String tls = "";
      String profileDir = System.getProperty(PROFILE_DIR);
      for (int connections : target.revokedFlood() ? List.of(floodConnections(settings)) : settings.connections()) {
        try (Load load = new Load(connections, process)) {
          tls = load.tls;
          Path profile = profileDir == null ? null
              : Path.of(profileDir).toAbsolutePath().resolve(target + "-round" + round + "-" + connections + "c.jfr");
          measurements.add(measure(load, process, settings, profile, flood));
        }
      }
      long heapAfterLoad = process.heapAfterGc();
      if (target.modern() || target.revokedFlood()) {
        // Stateless: no sessions or listening streams to hold, so no memory step; the flood target's
        // memory is the auth-on target's.
        return new Visit(target, round, preload.seconds, preload.settled, preload.windows, measurements,
            heapAfterLoad, 0, 0, 0, tls, null);
      }
      return memory(new Visit(target, round, preload.seconds, preload.settled, preload.windows, measurements,
          heapAfterLoad, 0, 0, 0, tls, null), process, settings);
    } catch (Exception e) {
      return Visit.failed(target, round, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /**
   * The one connection count the flood target is measured at: {@value #FLOOD_MEASURED_CONNECTIONS}
   * when the run measures it, else the largest (the flood's cost matters most under load).
   */
  static int floodConnections(Settings s) {
    return s.connections().contains(FLOOD_MEASURED_CONNECTIONS) ? FLOOD_MEASURED_CONNECTIONS
        : s.connections().stream().mapToInt(Integer::intValue).max().orElseThrow();
  }

  private record Preload(double seconds, boolean settled, List<Double> windows) {}

  /**
   * Loads the target with {@code preloadClients} until it has had {@code minPreload} and its
   * throughput over the last two windows differs by less than the tolerance, or {@code maxPreload}.
   */
  private Preload preload(ServerProcess process, Settings s) throws Exception {
    try (Load load = new Load(s.preloadClients(), process)) {
      List<Double> windows = new ArrayList<>();
      long start = System.nanoTime();
      long windowStart = start;
      long doneBefore = load.completed.sum();
      while (true) {
        sleepUntil(windowStart + s.window().toNanos());
        long now = System.nanoTime();
        long done = load.completed.sum();
        windows.add((done - doneBefore) / ((now - windowStart) / 1e9));
        windowStart = now;
        doneBefore = done;
        long elapsed = now - start;
        boolean settled = settled(windows, s.settleTolerance());
        if ((elapsed >= s.minPreload().toNanos() && settled) || elapsed >= s.maxPreload().toNanos()) {
          return new Preload(elapsed / 1e9, settled, List.copyOf(windows));
        }
      }
    }
  }

  /** True when the last two windows' throughputs differ by less than {@code tolerance} of the earlier. */
  static boolean settled(List<Double> windows, double tolerance) {
    if (windows.size() < 2) {
      return false;
    }
    double previous = windows.get(windows.size() - 2);
    double last = windows.get(windows.size() - 1);
    return previous > 0 && Math.abs(last - previous) / previous < tolerance;
  }

  /** Warm-up with this load's connections, then the measured window; CPU read from the server process. */
  private Measurement measure(Load load, ServerProcess process, Settings s, Path profile, Flood flood)
      throws Exception {
    sleepUntil(System.nanoTime() + s.warmup().toNanos());
    if (profile != null) {
      Files.createDirectories(profile.getParent());
      process.command("PROFILE " + profile, "PROFILE");
    }
    long[] before = process.stats();
    long[] floodBefore = flood == null ? new long[3] : flood.counts();
    long clientCpuBefore = clientCpuNanos();
    long from = System.nanoTime();
    long until = from + s.measure().toNanos();
    load.record(from, until);
    sleepUntil(until);
    long[] after = process.stats();
    long[] floodAfter = flood == null ? new long[3] : flood.counts();
    long clientCpuAfter = clientCpuNanos();
    if (profile != null) {
      process.command("PROFILED", "PROFILED");
    }
    long[] latencies = load.stopAndCollect();
    double seconds = (until - from) / 1e9;
    long requests = latencies.length;
    double cpuNanos = after[0] - before[0];
    return new Measurement(load.size(), seconds, requests, load.errors.get(), requests / seconds,
        percentile(latencies, 0.50), percentile(latencies, 0.99), percentile(latencies, 0.999),
        cpuNanos / (until - from), requests == 0 ? 0 : cpuNanos / 1e3 / requests,
        requests == 0 ? 0 : (clientCpuAfter - clientCpuBefore) / 1e3 / requests, after[2] - before[2],
        floodAfter[0] - floodBefore[0], floodAfter[1] - floodBefore[1], floodAfter[2] - floodBefore[2],
        flood == null ? "" : flood.refusedAs());
  }

  /** Bytes of heap (after full GC) per idle session, and per open listening SSE stream. */
  private Visit memory(Visit v, ServerProcess process, Settings s) throws Exception {
    long base = process.heapAfterGc();
    try (McpHttpClient opener = new McpHttpClient(clientTls, process.port)) {
      for (int i = 0; i < s.idleSessions(); i++) {
        opener.initialize();
      }
    }
    long withSessions = process.heapAfterGc();
    double perSession = (withSessions - base) / (double) s.idleSessions();
    List<McpHttpClient> streams = new ArrayList<>();
    int headsSent = 0;
    try {
      for (int i = 0; i < s.sseStreams(); i++) {
        McpHttpClient c = new McpHttpClient(clientTls, process.port);
        streams.add(c);
        c.initialize();
        c.requestListeningStream();
      }
      Thread.sleep(500); // let the server set up the last streams
      for (McpHttpClient c : streams) {
        if (c.listeningStreamAnswered(10)) {
          headsSent++;
        }
      }
      long withStreams = process.heapAfterGc();
      double perStream = (withStreams - withSessions) / (double) s.sseStreams() - perSession;
      return new Visit(v.target(), v.round(), v.preloadSeconds(), v.settled(), v.preloadWindows(), v.measurements(),
          v.heapAfterLoad(), perSession, perStream, headsSent, v.tls(), null);
    } finally {
      streams.forEach(McpHttpClient::close);
    }
  }

  /**
   * {@code n} clients, each on its own connection and session, calling echo back to back from
   * construction until {@link #stopAndCollect}. Latencies are kept for the calls that start and
   * end inside the window given to {@link #record}; {@link #completed} counts every successful call.
   */
  private final class Load implements AutoCloseable {
    final LongAdder completed = new LongAdder();
    final AtomicLong errors = new AtomicLong();
    final String tls;
    private final int port;
    private final boolean modern;
    private final McpHttpClient[] clients;
    private final Thread[] workers;
    private final long[][] latencies;
    private final int[] counts;
    private volatile boolean stop;
    private volatile long from = Long.MAX_VALUE;
    private volatile long until = Long.MAX_VALUE;

    Load(int n, ServerProcess process) throws IOException {
      this.port = process.port;
      this.modern = process.target.modern();
      clients = new McpHttpClient[n];
      workers = new Thread[n];
      latencies = new long[n][];
      counts = new int[n];
      try {
        for (int i = 0; i < n; i++) {
          clients[i] = connect(port, modern);
        }
      } catch (IOException | RuntimeException e) {
        closeClients();
        throw e;
      }
      tls = clients[0].tlsDescription();
      for (int i = 0; i < n; i++) {
        int slot = i;
        workers[i] = new Thread(() -> work(slot), "e2e-client-" + i);
        workers[i].setDaemon(true);
        workers[i].start();
      }
    }

    int size() {
      return clients.length;
    }

    void record(long fromNanos, long untilNanos) {
      until = untilNanos;
      from = fromNanos;
    }

    /** Stops the clients and returns the recorded latencies, sorted. */
    long[] stopAndCollect() throws InterruptedException {
      stop = true;
      for (Thread w : workers) {
        w.join(TimeUnit.SECONDS.toMillis(60));
        if (w.isAlive()) {
          throw new IllegalStateException("client " + w.getName() + " did not finish");
        }
      }
      long[] all = new long[Arrays.stream(counts).sum()];
      int at = 0;
      for (int i = 0; i < latencies.length; i++) {
        System.arraycopy(latencies[i], 0, all, at, counts[i]);
        at += counts[i];
      }
      Arrays.sort(all);
      return all;
    }

    private void work(int slot) {
      long[] mine = new long[1 << 14];
      int count = 0;
      McpHttpClient client = clients[slot];
      String text = "ping-" + slot;
      while (!stop) {
        long start = System.nanoTime();
        boolean ok;
        try {
          ok = client.callEcho(text);
        } catch (IOException e) {
          ok = false;
          client = reconnect(client, port, modern);
        }
        long end = System.nanoTime();
        if (ok) {
          completed.increment();
        }
        if (start >= from && end <= until) {
          if (!ok) {
            errors.incrementAndGet();
          } else {
            if (count == mine.length) {
              mine = Arrays.copyOf(mine, count * 2);
            }
            mine[count++] = end - start;
          }
        } else if (start >= until) {
          break; // the window is over: stop loading the server
        }
      }
      clients[slot] = client;
      latencies[slot] = mine;
      counts[slot] = count;
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      for (Thread w : workers) {
        if (w != null) {
          w.join(TimeUnit.SECONDS.toMillis(60));
        }
      }
      closeClients();
    }

    private void closeClients() {
      for (McpHttpClient c : clients) {
        if (c != null) {
          c.close();
        }
      }
    }
  }

  /**
   * {@value #FLOOD_CONNECTIONS} threads, each opening an mTLS connection with the revoked client
   * certificate and sending an echo {@code tools/call} on it, then the next connection as soon as
   * that one is over: the attack a revoked credential's holder can mount. Counts how each ended.
   */
  private final class Flood implements AutoCloseable {
    private final LongAdder refused = new LongAdder();
    private final LongAdder admitted = new LongAdder();
    private final LongAdder other = new LongAdder();
    private final java.util.Set<String> refusedAs = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Thread[] workers = new Thread[FLOOD_CONNECTIONS];
    private final int port;
    private final boolean modern;
    private volatile boolean stop;

    Flood(ServerProcess process) {
      port = process.port;
      modern = process.target.modern();
      for (int i = 0; i < workers.length; i++) {
        workers[i] = new Thread(this::work, "e2e-revoked-flood-" + i);
        workers[i].setDaemon(true);
        workers[i].start();
      }
    }

    /** Refused, admitted, other, so far. */
    long[] counts() {
      return new long[] {refused.sum(), admitted.sum(), other.sum()};
    }

    /** How the server refused, e.g. {@code HTTP 401} or {@code TLS alert}, sorted and joined. */
    String refusedAs() {
      return refusedAs.stream().sorted().reduce((a, b) -> a + ", " + b).orElse("none");
    }

    private void work() {
      while (!stop) {
        try (McpHttpClient client = new McpHttpClient(revokedClientTls, port, modern)) {
          int status = client.echoCallStatus("flood");
          // 401/403 from the revocation check; 429 once the refused certificate's serial is locked out
          // from this source (AuthFailureLockout), the refusal a sustained flood mostly gets.
          if (status == 401 || status == 403 || status == 429) {
            refusedAs.add("HTTP " + status);
            refused.increment();
          } else if (status == 200) {
            admitted.increment();
          } else {
            other.increment();
          }
        } catch (javax.net.ssl.SSLException e) {
          refusedAs.add("TLS alert");
          refused.increment();
        } catch (IOException e) {
          other.increment();
          sleepUntil(System.nanoTime() + 10_000_000L); // do not spin against a server that is not there
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      for (Thread w : workers) {
        w.join(TimeUnit.SECONDS.toMillis(60));
      }
    }
  }

  /**
   * A new client with its session. Retried a few times, a second apart: the auth-on target checks
   * the certificate's revocation on the first requests (fail-closed, so a slow OCSP answer on a
   * busy machine is a 401), and setup is not what is measured.
   */
  private McpHttpClient connect(int port, boolean modern) throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < SETUP_ATTEMPTS; attempt++) {
      McpHttpClient client = null;
      try {
        client = new McpHttpClient(clientTls, port, modern);
        client.initialize();
        if (modern && !client.callEcho("setup")) {
          throw new IOException("the first 2026-07-28 tools/call was not answered with a JSON result");
        }
        return client;
      } catch (IOException e) {
        last = e;
        if (client != null) {
          client.close();
        }
        sleepUntil(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
      }
    }
    throw last;
  }

  private McpHttpClient reconnect(McpHttpClient broken, int port, boolean modern) {
    broken.close();
    try {
      McpHttpClient fresh = new McpHttpClient(clientTls, port, modern);
      fresh.initialize();
      return fresh;
    } catch (IOException e) {
      sleepUntil(System.nanoTime() + 10_000_000L); // do not spin against a server that refuses
      return broken;
    }
  }

  /** The {@code q} quantile in microseconds (nearest rank). */
  static double percentile(long[] sortedNanos, double q) {
    if (sortedNanos.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sortedNanos.length) - 1;
    return sortedNanos[Math.max(0, Math.min(rank, sortedNanos.length - 1))] / 1e3;
  }

  private static long clientCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void sleepUntil(long nanoTime) {
    for (long left = nanoTime - System.nanoTime(); left > 0; left = nanoTime - System.nanoTime()) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    if (ca != null) {
      ca.close();
    }
    TempDirs.delete(dir);
  }

/** The target's JVM and its command channel. */
  private final class ServerProcess implements AutoCloseable {
    final Target target;
    final Process process;
    final BufferedReader out;
    final PrintWriter in;
    final int port;

    ServerProcess(Target target) throws IOException {
      this.target = target;
      process = start(target);
      out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
      try {
        port = Integer.parseInt(expect("READY").split(" ")[1]);
      } catch (IOException | RuntimeException e) {
        process.destroyForcibly();
        throw e;
      }
    }

    private Process start(Target target) throws IOException {
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
      String extra = System.getProperty(EXTRA_JVM_ARGS, "").trim();
      if (!extra.isEmpty()) {
        command.addAll(List.of(extra.split("\\s+")));
      }
      command.addAll(List.of("-cp", System.getProperty(SERVER_CLASSPATH, System.getProperty("java.class.path")),
          E2eServer.class.getName(), target.name(),
          server.certificatePem().toString(), server.keyPem().toString(), pki.chainPem().toString(),
          policy.toString(), ca.ocspUrl(), dir.resolve("audit-" + target.name().toLowerCase() + ".log").toString()));
      return new ProcessBuilder(command)
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
    }

    /** cpu ns, heap used, gc count, gc ms. */
    long[] stats() throws IOException {
      in.println("STATS");
      String[] f = expect("STATS").split(" ");
      return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4])};
    }

    void command(String command, String answer) throws IOException {
      in.println(command);
      expect(answer);
    }

    long heapAfterGc() throws IOException {
      in.println("HEAP");
      return Long.parseLong(expect("HEAP").split(" ")[1]);
    }

    private String expect(String prefix) throws IOException {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith(prefix + " ")) {
          return line;
        }
      }
      throw new IOException("target JVM exited before answering " + prefix
          + (process.isAlive() ? "" : " (exit code " + process.exitValue() + ")"));
    }

    @Override
    public void close() throws InterruptedException {
      in.println("QUIT");
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
  }
}
