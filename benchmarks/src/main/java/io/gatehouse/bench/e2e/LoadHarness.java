package io.gatehouse.bench.e2e;

import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.bench.support.CaFixture;
import io.gatehouse.bench.support.PemSsl;
import io.gatehouse.bench.support.TempDirs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;

/**
 * The end-to-end load harness: {@code clients} concurrent MCP clients, each on its own keep-alive
 * mTLS connection and MCP session, call the {@code echo} tool back to back for a fixed time against
 * one target running in its own JVM. Then, on the same server, the memory held by idle sessions and
 * by open SSE streams. Every target gets the same TLS material (EC P-256, issued by the Gatehouse
 * CA) and the same client ({@link McpHttpClient}).
 */
public final class LoadHarness implements AutoCloseable {
  /** How hard and how long. */
  public record Settings(int clients, Duration warmup, Duration measure, int idleSessions, int sseStreams) {
    /** A couple of seconds per target: for the CI smoke test. */
    public static Settings smoke() {
      return new Settings(4, Duration.ofMillis(500), Duration.ofMillis(1500), 20, 5);
    }
  }

  /** What one target did. Latencies in microseconds, memory in bytes. */
  public record Result(Target target, int clients, double seconds, long requests, long errors,
      double requestsPerSecond, double p50, double p99, double p999, double serverCpuCores,
      double serverCpuMicrosPerRequest, double clientCpuMicrosPerRequest, long serverGcCount,
      long heapAfterLoad, double bytesPerIdleSession, double bytesPerSseStream, int sseHeadsSent, String tls,
      String failure) {
    static Result failed(Target target, int clients, String why) {
      return new Result(target, clients, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "", why);
    }

    /** True when the run completed (errors during it are counted, not fatal). */
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

  private final Path dir = TempDirs.create("e2e");
  private final CaFixture ca;
  private final BenchPki pki;
  private final BenchPki.Leaf server;
  private final SSLContext clientTls;
  private final Path policy;

  /**
   * Issues the shared TLS material from a Gatehouse CA in a temp directory, and serves that CA's
   * OCSP responder ({@code ca serve}) on loopback for the auth-on target's revocation checks.
   */
  public LoadHarness() {
    try {
      ca = new CaFixture();
      pki = ca.pki();
      server = pki.server();
      BenchPki.Leaf client = pki.client("bench-client", "viewer");
      clientTls = PemSsl.context(client.certificatePem(), client.keyPem(), pki.chainPem());
      policy = Files.writeString(dir.resolve("policy.yaml"), POLICY);
    } catch (Exception e) {
      close();
      throw new IllegalStateException("e2e setup: " + e.getMessage(), e);
    }
  }

  /**
   * Standalone: {@code LoadHarness [seconds] [clients] [TARGET ...]} prints one line per target.
   */
  public static void main(String[] args) {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int clients = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    List<Target> targets = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      targets.add(Target.valueOf(args[i]));
    }
    if (targets.isEmpty()) {
      targets.addAll(List.of(Target.values()));
    }
    Settings settings = new Settings(clients, Duration.ofSeconds(2), Duration.ofSeconds(seconds), 500, 50);
    try (LoadHarness harness = new LoadHarness()) {
      for (Target target : targets) {
        System.out.println(harness.run(target, settings));
      }
    }
  }

  /** Runs {@code target} in a fresh JVM; a target that fails to start or run gives a failed result. */
  public Result run(Target target, Settings settings) {
    try (ServerProcess process = new ServerProcess(target)) {
      Result load = load(target, process, settings);
      return memory(load, process, settings);
    } catch (Exception e) {
      return Result.failed(target, settings.clients(), e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private Result load(Target target, ServerProcess process, Settings s) throws Exception {
    long warmupNanos = s.warmup().toNanos();
    long measureNanos = s.measure().toNanos();
    // Slot i belongs to worker i while it runs (a broken connection is replaced in place).
    McpHttpClient[] clients = new McpHttpClient[s.clients()];
    try {
      for (int i = 0; i < s.clients(); i++) {
        clients[i] = new McpHttpClient(clientTls, process.port);
        clients[i].initialize();
      }
      String tls = clients[0].tlsDescription();
      AtomicLong errors = new AtomicLong();
      long[][] latencies = new long[s.clients()][];
      int[] counts = new int[s.clients()];
      CountDownLatch done = new CountDownLatch(s.clients());
      long start = System.nanoTime();
      long measureStart = start + warmupNanos;
      long measureEnd = measureStart + measureNanos;
      for (int i = 0; i < s.clients(); i++) {
        int n = i;
        Thread worker = new Thread(() -> {
          long[] mine = new long[1 << 14];
          int count = 0;
          McpHttpClient client = clients[n];
          for (long now = System.nanoTime(); now < measureEnd; now = System.nanoTime()) {
            boolean ok;
            try {
              ok = client.callEcho("ping-" + n);
            } catch (IOException e) {
              ok = false;
              client = reconnect(client, process.port);
            }
            long end = System.nanoTime();
            if (now >= measureStart && end <= measureEnd) {
              if (!ok) {
                errors.incrementAndGet();
              } else {
                if (count == mine.length) {
                  mine = Arrays.copyOf(mine, count * 2);
                }
                mine[count++] = end - now;
              }
            }
          }
          clients[n] = client;
          latencies[n] = mine;
          counts[n] = count;
          done.countDown();
        }, "e2e-client-" + i);
        worker.setDaemon(true);
        worker.start();
      }
      sleepUntil(measureStart);
      long[] before = process.stats();
      long clientCpuBefore = clientCpuNanos();
      sleepUntil(measureEnd);
      long[] after = process.stats();
      long clientCpuAfter = clientCpuNanos();
      if (!done.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("clients did not finish");
      }
      long[] all = merge(latencies, counts);
      double seconds = measureNanos / 1e9;
      long requests = all.length;
      double cpuNanos = after[0] - before[0];
      return new Result(target, s.clients(), seconds, requests, errors.get(), requests / seconds,
          percentile(all, 0.50), percentile(all, 0.99), percentile(all, 0.999),
          cpuNanos / measureNanos, requests == 0 ? 0 : cpuNanos / 1e3 / requests,
          requests == 0 ? 0 : (clientCpuAfter - clientCpuBefore) / 1e3 / requests,
          after[2] - before[2], process.heapAfterGc(), 0, 0, 0, tls, null);
    } finally {
      for (McpHttpClient c : clients) {
        if (c != null) {
          c.close();
        }
      }
    }
  }

  /** Bytes of heap (after full GC) per idle session, and per open listening SSE stream. */
  private Result memory(Result load, ServerProcess process, Settings s) throws Exception {
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
      return new Result(load.target(), load.clients(), load.seconds(), load.requests(), load.errors(),
          load.requestsPerSecond(), load.p50(), load.p99(), load.p999(), load.serverCpuCores(),
          load.serverCpuMicrosPerRequest(), load.clientCpuMicrosPerRequest(), load.serverGcCount(),
          load.heapAfterLoad(), perSession, perStream, headsSent, load.tls(), null);
    } finally {
      streams.forEach(McpHttpClient::close);
    }
  }

  private McpHttpClient reconnect(McpHttpClient broken, int port) {
    broken.close();
    try {
      McpHttpClient fresh = new McpHttpClient(clientTls, port);
      fresh.initialize();
      return fresh;
    } catch (IOException e) {
      sleepUntil(System.nanoTime() + 10_000_000L); // do not spin against a server that refuses
      return broken;
    }
  }

  private static long[] merge(long[][] latencies, int[] counts) {
    long[] all = new long[Arrays.stream(counts).sum()];
    int at = 0;
    for (int i = 0; i < latencies.length; i++) {
      System.arraycopy(latencies[i], 0, all, at, counts[i]);
      at += counts[i];
    }
    Arrays.sort(all);
    return all;
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
    final Process process;
    final BufferedReader out;
    final PrintWriter in;
    final int port;

    ServerProcess(Target target) throws IOException {
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
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), E2eServer.class.getName(), target.name(),
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
