package io.gatehouse.bench.e2e;

import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.bench.support.CaFixture;
import io.gatehouse.bench.support.GatehouseTarget;
import io.gatehouse.bench.support.TempDirs;
import io.gatehouse.pki.tls.PemSslContexts;
import io.gatehouse.transport.config.TransportConfig;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * Server-side heap allocation and Java-thread CPU per legacy {@code tools/call}, auth on vs auth
 * off, both servers in this JVM (same client, one keep-alive mTLS connection each, calls one at a
 * time). Allocation per call does not depend on machine load, so it is the number to compare
 * across builds; the CPU columns are interleaved A/B rounds (A B A B ...) and still noisy on a
 * loaded machine. Counted: every live thread but the caller's (the client), by thread group.
 *
 * <p>{@code AllocationProbe [warm-up calls] [calls per round] [rounds]}; defaults 30000 5000 6.
 * Add {@code -XX:StartFlightRecording=...} to see which frames allocate.
 */
public final class AllocationProbe {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private AllocationProbe() {}

  public static void main(String[] args) throws Exception {
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 6;
    Path dir = TempDirs.create("alloc-probe");
    try (CaFixture ca = new CaFixture()) {
      BenchPki pki = ca.pki();
      BenchPki.Leaf server = pki.server();
      BenchPki.Leaf client = pki.client("bench-client", "viewer");
      SSLContext tls = PemSslContexts.fromPem(pki.chainPem(), client.certificatePem(), client.keyPem());
      Path policy = Files.writeString(dir.resolve("policy.yaml"), LoadHarness.POLICY);
      TransportConfig base = E2eServer.benchLimits(GatehouseTarget.config(server.certificatePem(),
          server.keyPem(), pki.chainPem(), TransportConfig.TlsProvider.JDK));
      try (GatehouseTarget on = GatehouseTarget.withAuth(base.withAuth(E2eServer.auth(policy,
              URI.create(ca.ocspUrl()), dir.resolve("audit.log"))));
          GatehouseTarget off = GatehouseTarget.withoutAuth(base);
          McpHttpClient onClient = new McpHttpClient(tls, on.port());
          McpHttpClient offClient = new McpHttpClient(tls, off.port())) {
        onClient.initialize();
        offClient.initialize();
        for (int i = 0; i < warmup; i++) {
          call(onClient);
          call(offClient);
        }
        Map<String, long[]> sumOn = new LinkedHashMap<>();
        Map<String, long[]> sumOff = new LinkedHashMap<>();
        for (int r = 0; r < rounds; r++) {
          Map<String, long[]> a = measure(onClient, calls);
          Map<String, long[]> b = measure(offClient, calls);
          System.out.printf(Locale.ROOT, "round %d: auth on %s | auth off %s%n", r + 1,
              total(a, calls), total(b, calls));
          add(sumOn, a);
          add(sumOff, b);
        }
        long n = (long) calls * rounds;
        System.out.println("per call over all rounds (bytes allocated, µs Java-thread CPU):");
        print("auth on ", sumOn, n);
        print("auth off", sumOff, n);
        long[] t1 = sum(sumOn);
        long[] t0 = sum(sumOff);
        System.out.printf(Locale.ROOT, "auth on - off: %+d B/call, CPU ratio %.3f%n",
            (t1[0] - t0[0]) / n, (double) t1[1] / t0[1]);
      }
    } finally {
      TempDirs.delete(dir);
    }
  }

  private static void call(McpHttpClient client) throws java.io.IOException {
    if (!client.callEcho("hi")) {
      throw new IllegalStateException("tools/call failed");
    }
  }

  /** Per thread group: {allocated bytes, cpu ns} spent by other threads during {@code calls}. */
  private static Map<String, long[]> measure(McpHttpClient client, int calls) throws Exception {
    Map<Long, long[]> before = snapshot();
    for (int i = 0; i < calls; i++) {
      call(client);
    }
    Map<Long, long[]> after = snapshot();
    Map<String, long[]> groups = new LinkedHashMap<>();
    for (Map.Entry<Long, long[]> e : after.entrySet()) {
      long[] b = before.getOrDefault(e.getKey(), new long[] {0, 0});
      java.lang.management.ThreadInfo info = THREADS.getThreadInfo(e.getKey());
      String group = info == null ? "gone" : group(info.getThreadName());
      long[] g = groups.computeIfAbsent(group, k -> new long[2]);
      g[0] += e.getValue()[0] - b[0];
      g[1] += e.getValue()[1] - b[1];
    }
    return groups;
  }

  private static Map<Long, long[]> snapshot() {
    long self = Thread.currentThread().getId();
    long[] ids = Arrays.stream(THREADS.getAllThreadIds()).filter(id -> id != self).toArray();
    long[] bytes = THREADS.getThreadAllocatedBytes(ids);
    Map<Long, long[]> out = new LinkedHashMap<>();
    for (int i = 0; i < ids.length; i++) {
      out.put(ids[i], new long[] {bytes[i], Math.max(0, THREADS.getThreadCpuTime(ids[i]))});
    }
    return out;
  }

  private static String group(String name) {
    if (name.contains("boundedElastic")) {
      return "boundedElastic";
    }
    if (name.contains("audit")) {
      return "audit";
    }
    if (name.toLowerCase(Locale.ROOT).contains("eventloop")) {
      return "eventloop";
    }
    return name.replaceAll("[-#]?\\d+$", "");
  }

  private static void add(Map<String, long[]> into, Map<String, long[]> from) {
    from.forEach((k, v) -> {
      long[] s = into.computeIfAbsent(k, x -> new long[2]);
      s[0] += v[0];
      s[1] += v[1];
    });
  }

  private static long[] sum(Map<String, long[]> groups) {
    long[] t = new long[2];
    groups.values().forEach(v -> {
      t[0] += v[0];
      t[1] += v[1];
    });
    return t;
  }

  private static String total(Map<String, long[]> groups, long calls) {
    long[] t = sum(groups);
    return String.format(Locale.ROOT, "%,d B/call %.1f µs/call", t[0] / calls, t[1] / 1e3 / calls);
  }

  private static void print(String label, Map<String, long[]> groups, long calls) {
    StringBuilder line = new StringBuilder(label + ": " + total(groups, calls) + "  [");
    groups.entrySet().stream().filter(e -> e.getValue()[0] / calls > 50 || e.getValue()[1] / calls > 500)
        .forEach(e -> line.append(String.format(Locale.ROOT, " %s %,d B %.1f µs;", e.getKey(),
            e.getValue()[0] / calls, e.getValue()[1] / 1e3 / calls)));
    System.out.println(line.append(" ]"));
  }
}
