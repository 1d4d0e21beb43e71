package io.gatehouse.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a target JVM's CPU goes, from a JFR recording of it under load ({@code settings=profile}):
 * {@code java -cp benchmarks.jar io.gatehouse.bench.report.JfrSplit server.jfr}. Prints CPU per
 * thread group ({@code jdk.ThreadCPULoad}: event loops, Reactor's bounded-elastic workers, JIT,
 * GC), the inclusive share of execution samples under each suspect of docs/benchmarks.md ("Where
 * the CPU goes"), the hottest methods by self samples, and the most-allocated classes.
 */
public final class JfrSplit {
  /** Inclusive categories: a sample counts in every category one of its frames matches. */
  static final Map<String, Predicate<String>> CATEGORIES = categories();

  private JfrSplit() {}

  private static Map<String, Predicate<String>> categories() {
    Map<String, Predicate<String>> c = new LinkedHashMap<>();
    c.put("TLS: Netty SslHandler (incl. JSSE, AES-GCM)", f -> f.startsWith("io.netty.handler.ssl."));
    c.put("TLS: JSSE (sun.security.ssl)", f -> f.startsWith("sun.security.ssl."));
    c.put("TLS: JCE crypto (com.sun.crypto.provider)", f -> f.startsWith("com.sun.crypto.provider."));
    c.put("Netty (all, incl. SslHandler)", f -> f.startsWith("io.netty."));
    c.put("Netty HTTP codec", f -> f.startsWith("io.netty.handler.codec.http."));
    c.put("Jackson (JSON)", f -> f.startsWith("tools.jackson.") || f.startsWith("com.fasterxml.jackson."));
    c.put("MCP SDK (io.modelcontextprotocol)", f -> f.startsWith("io.modelcontextprotocol."));
    c.put("Reactor (reactor.core)", f -> f.startsWith("reactor.core."));
    c.put("Reactor scheduler hop (reactor.core.scheduler)", f -> f.startsWith("reactor.core.scheduler."));
    c.put("Gatehouse transport (all)", f -> f.startsWith("io.gatehouse.transport."));
    c.put("Gatehouse auth stages (transport.auth)", f -> f.startsWith("io.gatehouse.transport.auth."));
    c.put("  authenticate stage", f -> f.startsWith("io.gatehouse.transport.auth.pipeline.AuthenticateStage."));
    c.put("  revocation stage", f -> f.startsWith("io.gatehouse.transport.auth.pipeline.RevocationStage."));
    c.put("  authorize stage (RBAC, rate limit)", f -> f.startsWith("io.gatehouse.transport.auth.pipeline.AuthorizeStage."));
    c.put("  audit log (events, JSON, file)", f -> f.startsWith("io.gatehouse.transport.auth.audit."));
    c.put("  tool-name snapshot (RegisteredTools)", f -> f.startsWith("io.gatehouse.transport.auth.pipeline.RegisteredTools."));
    c.put("  auth metrics (AuthMetrics, MetricsStage)", f -> f.startsWith("io.gatehouse.transport.auth.pipeline.AuthMetrics.")
        || f.startsWith("io.gatehouse.transport.auth.pipeline.MetricsStage."));
    c.put("Micrometer meters (io.micrometer)", f -> f.startsWith("io.micrometer."));
    c.put("Gatehouse MCP endpoint (transport.mcp)", f -> f.startsWith("io.gatehouse.transport.mcp."));
    c.put("  SSE stream (SseStream)", f -> f.startsWith("io.gatehouse.transport.mcp.SseStream."));
    c.put("  per-request transport context (transportContext)", f -> f.startsWith(
        "io.gatehouse.transport.mcp.McpEndpointHandler.transportContext"));
    c.put("Gatehouse HTTP stages (transport.http)", f -> f.startsWith("io.gatehouse.transport.http."));
    c.put("scheduled tasks: schedule/cancel (keep-alive)", f -> f.contains("ScheduledFutureTask.<init>")
        || f.contains(".schedule(") || f.contains(".scheduleAtFixedRate(") || f.contains("ScheduledFutureTask.cancel"));
    c.put("Caffeine", f -> f.startsWith("com.github.benmanes.caffeine."));
    c.put("HashMap/ConcurrentHashMap put/resize", f -> f.startsWith("java.util.HashMap.put")
        || f.startsWith("java.util.HashMap.resize") || f.startsWith("java.util.concurrent.ConcurrentHashMap.put"));
    c.put("logging (slf4j)", f -> f.startsWith("org.slf4j."));
    return c;
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1 && !(args.length == 3 && args[1].equals("--under"))) {
      System.err.println("usage: JfrSplit RECORDING.jfr [--under FRAME-PREFIX]");
      System.exit(2);
    }
    System.out.print(args.length == 1 ? analyse(Path.of(args[0])) : under(Path.of(args[0]), args[2]));
  }

  /**
   * What the frame matching {@code prefix} spends its samples on: the share of all samples under
   * it, split by the method it called (the next frame up), e.g. {@code --under
   * io.gatehouse.transport.auth.pipeline.AuthorizeStage.apply}.
   */
  public static String under(Path recording, String prefix) throws IOException {
    int samples = 0;
    int inside = 0;
    Map<String, Integer> callees = new HashMap<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = e.getStackTrace().getFrames();
      for (int i = frames.size() - 1; i >= 0; i--) {
        String f = frames.get(i).getMethod().getType().getName() + "." + frames.get(i).getMethod().getName();
        if (f.startsWith(prefix)) {
          inside++;
          String callee = i == 0 ? "(self)" : frames.get(i - 1).getMethod().getType().getName() + "."
              + frames.get(i - 1).getMethod().getName() + " line " + frames.get(i).getLineNumber();
          callees.merge(callee, 1, Integer::sum);
          break;
        }
      }
    }
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%s: %.1f %% of %d samples; it calls:%n", prefix,
        100.0 * inside / Math.max(1, samples), samples));
    final int n = Math.max(1, samples);
    callees.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(20).forEach(c ->
        out.append(String.format(Locale.ROOT, "  %5.1f %%  %s%n", 100.0 * c.getValue() / n, c.getKey())));
    return out.toString();
  }

  /** The report for {@code recording}, as text. */
  public static String analyse(Path recording) throws IOException {
    int samples = 0;
    Map<String, Integer> byCategory = new LinkedHashMap<>();
    CATEGORIES.keySet().forEach(k -> byCategory.put(k, 0));
    Map<String, Integer> byThreadGroupSamples = new HashMap<>();
    Map<String, Integer> selfTop = new HashMap<>();
    Map<String, Integer> byOwner = new HashMap<>();
    Map<String, double[]> threadLoad = new HashMap<>(); // thread → [sum of load, count]
    Map<String, Long> allocated = new HashMap<>();
    long allocatedTotal = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
      String type = e.getEventType().getName();
      if (type.equals("jdk.ExecutionSample")) {
        RecordedStackTrace stack = e.getStackTrace();
        if (stack == null || stack.getFrames().isEmpty()) {
          continue;
        }
        samples++;
        byThreadGroupSamples.merge(threadGroup(e.getThread("sampledThread").getJavaName()), 1, Integer::sum);
        List<String> frames = new ArrayList<>();
        for (RecordedFrame f : stack.getFrames()) {
          frames.add(f.getMethod().getType().getName() + "." + f.getMethod().getName() + "(");
        }
        selfTop.merge(frames.get(0), 1, Integer::sum);
        List<String> segment = segment(frames);
        byOwner.merge(segment.size() == frames.size() ? "(not in a pipeline) "
            + threadGroup(e.getThread("sampledThread").getJavaName()) : owner(segment), 1, Integer::sum);
        for (Map.Entry<String, Predicate<String>> c : CATEGORIES.entrySet()) {
          if (segment.stream().anyMatch(c.getValue())) {
            byCategory.merge(c.getKey(), 1, Integer::sum);
          }
        }
      } else if (type.equals("jdk.ThreadCPULoad")) {
        String thread = e.getThread("eventThread") == null ? "?" : e.getThread("eventThread").getOSName();
        double[] acc = threadLoad.computeIfAbsent(thread, t -> new double[2]);
        acc[0] += e.getFloat("user") + e.getFloat("system");
        acc[1]++;
      } else if (type.equals("jdk.ObjectAllocationSample")) {
        long weight = e.getLong("weight");
        allocated.merge(e.getClass("objectClass").getName(), weight, Long::sum);
        allocatedTotal += weight;
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("CPU by thread group (jdk.ThreadCPULoad, mean share of the machine's cores):\n");
    Map<String, Double> groups = new HashMap<>();
    threadLoad.forEach((t, acc) -> groups.merge(threadGroup(t), acc[0] / acc[1], Double::sum));
    double all = groups.values().stream().mapToDouble(Double::doubleValue).sum();
    groups.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).forEach(g ->
        out.append(String.format(Locale.ROOT, "  %-40s %5.1f %% of the process%n", g.getKey(), 100 * g.getValue() / all)));
    out.append(String.format(Locale.ROOT, "%nExecution samples: %d (Java threads only; JIT and GC are above)%n", samples));
    final int n = Math.max(1, samples);
    byThreadGroupSamples.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).forEach(g ->
        out.append(String.format(Locale.ROOT, "  on %-37s %5.1f %%%n", g.getKey(), 100.0 * g.getValue() / n)));
    out.append("\nBy the pipeline handler running (the frame just below the innermost Netty handler-context call;"
        + " a handler's own work plus the library calls it makes, not the handlers after it):\n");
    byOwner.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(20).forEach(o ->
        out.append(String.format(Locale.ROOT, "  %5.1f %%  %s%n", 100.0 * o.getValue() / n, o.getKey())));
    out.append("\nShare of samples per suspect, counted within the running handler's segment as above (a sample can"
        + " count in several rows):\n");
    byCategory.forEach((k, v) -> out.append(String.format(Locale.ROOT, "  %-52s %5.1f %%%n", k, 100.0 * v / n)));
    out.append("\nTop methods by self samples:\n");
    selfTop.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(25).forEach(m ->
        out.append(String.format(Locale.ROOT, "  %5.1f %%  %s)%n", 100.0 * m.getValue() / n, m.getKey())));
    if (allocatedTotal > 0) {
      out.append("\nTop allocated classes (jdk.ObjectAllocationSample weight):\n");
      final long total = allocatedTotal;
      allocated.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(15).forEach(a ->
          out.append(String.format(Locale.ROOT, "  %5.1f %%  %s%n", 100.0 * a.getValue() / total, a.getKey())));
    }
    return out.toString();
  }

  /**
   * The frames of the innermost pipeline handler's own work: from the top of the stack down to the
   * first Netty handler-context frame (which called into that handler). A handler's stack also
   * holds every earlier handler that fired the read on; counting those would charge each stage
   * with all the stages after it.
   */
  static List<String> segment(List<String> frames) {
    for (int i = 0; i < frames.size(); i++) {
      String f = frames.get(i);
      if (f.startsWith("io.netty.channel.AbstractChannelHandlerContext.")
          || f.startsWith("io.netty.channel.DefaultChannelPipeline")) {
        return frames.subList(0, i);
      }
    }
    return frames;
  }

  /** The class and method that owns a segment: its deepest (last) frame. */
  static String owner(List<String> segment) {
    if (segment.isEmpty()) {
      return "(Netty pipeline plumbing)";
    }
    String f = segment.get(segment.size() - 1);
    return f.substring(0, f.length() - 1);
  }

  /** Event loops, bounded-elastic workers, JIT compilers, GC, and the rest. */
  static String threadGroup(String thread) {
    if (thread == null) {
      return "other";
    }
    if (thread.contains("EventLoop") || thread.contains("eventLoop") || thread.startsWith("multiThreadIoEventLoopGroup")
        || thread.startsWith("nioEventLoop") || thread.startsWith("epollEventLoop")) {
      return "Netty event loops";
    }
    if (thread.startsWith("boundedElastic")) {
      return "Reactor boundedElastic workers";
    }
    if (thread.startsWith("parallel")) {
      return "Reactor parallel";
    }
    if (thread.contains("Compiler") || thread.startsWith("C2 ") || thread.startsWith("C1 ")) {
      return "JIT compiler threads";
    }
    if (thread.startsWith("G1") || thread.startsWith("GC") || thread.contains("GC Thread")) {
      return "GC threads";
    }
    if (thread.startsWith("qtp") || thread.contains("jetty")) {
      return "Jetty threads";
    }
    if (thread.contains("audit")) {
      return "audit writer";
    }
    return "other: " + thread.replaceAll("[-#0-9 ]+$", "");
  }
}
