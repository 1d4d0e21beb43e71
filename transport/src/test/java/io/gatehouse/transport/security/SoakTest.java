package io.gatehouse.transport.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.testing.TestServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak: {@code gatehouse.soak.clients} (default 64) mutual-TLS clients, each with its own
 * certificate and session, calling a tool in a loop over kept-alive connections for {@code
 * gatehouse.soak.duration} (ISO-8601, default PT60S). Passes with zero unexpected errors and live
 * heap after a full GC at the end within 10% of the same measure once warmed up.
 *
 * <p>Tagged {@code long} and {@code soak}: a minute of real time, so out of {@code mvn verify};
 * 60 s with {@code mvn -B test -Plong-tests} (CI runs it), 10 minutes with {@code mvn -Psoak -pl
 * transport -am verify}.
 */
@Tag("soak")
@Tag("long")
class SoakTest {
  @TempDir Path dir;

  @Test
  void manyMutualTlsClientsForAWhileWithoutErrorsOrHeapGrowth() throws Exception {
    int clients = Integer.getInteger("gatehouse.soak.clients", 64);
    Duration duration = Duration.parse(System.getProperty("gatehouse.soak.duration", "PT60S"));
    Duration warmUp = duration.dividedBy(6);
    TestPki pki = TestPki.create(dir, "soak");
    TransportConfig config = TestServer.tlsConfig(pki);
    config = config.withTls(config.tls().withClientAuth(TransportConfig.ClientAuthMode.REQUIRE, pki.rootPem()))
        .withLimits(config.limits().withSessions(10_000, 10_000, Duration.ofMinutes(30)));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong calls = new AtomicLong();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try (TestServer server = TestServer.start(config)) {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        SSLContext tls = pki.clientContext(pki.client("soak" + c, "viewer"));
        running.add(pool.submit(() -> client(tls, server.port(), stop, calls, errors)));
      }
      Thread.sleep(warmUp.toMillis());
      long baseline = heapAfterGc();
      long callsAtBaseline = calls.get();
      Thread.sleep(duration.minus(warmUp).toMillis());
      long end = heapAfterGc();
      stop.set(true);
      for (Future<?> f : running) {
        f.get(60, TimeUnit.SECONDS);
      }
      System.out.printf("soak: %d clients, %s, %d calls (%d after warm-up), heap after GC %d -> %d KiB%n",
          clients, duration, calls.get(), calls.get() - callsAtBaseline, baseline / 1024, end / 1024);
      assertThat(errors).isEmpty();
      assertThat(calls.get() - callsAtBaseline).isGreaterThan(clients);
      assertThat(end).isLessThanOrEqualTo((long) (baseline * 1.10));
    } finally {
      stop.set(true);
      pool.shutdownNow();
    }
  }

  /** One client: a session, then tools/call echo in a loop on one kept-alive connection. */
  private static Void client(SSLContext tls, int port, AtomicBoolean stop, AtomicLong calls,
      ConcurrentLinkedQueue<String> errors) {
    try (RawHttp raw = RawHttp.connect(tls, port)) {
      RawHttp.Response init = raw.exchange(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(null),
          TransportFaultTest.INITIALIZE));
      String session = init.header("mcp-session-id");
      for (int id = 2; !stop.get(); id++) {
        RawHttp.Response head = raw.send(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(session),
            TransportFaultTest.call("echo", id))).readHead();
        String event = head.status() == 200 ? raw.readEvent() : null;
        if (event == null || !event.contains("\"id\":" + id)) {
          errors.add("status " + head.status() + ": " + event);
          return null;
        }
        while (raw.readChunk() != null) {
          // the stream's terminating chunk
        }
        calls.incrementAndGet();
      }
    } catch (IOException e) {
      errors.add(e.toString());
    }
    return null;
  }

  /**
   * Bytes of live objects after a full GC, from the JVM's GC.class_histogram (the total of what
   * {@code jmap -histo:live} prints). Heap "used" from the memory MXBean is not used: it also counts
   * G1 regions the collector keeps, which made a flat live set look like growth.
   */
  private static long heapAfterGc() throws Exception {
    String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    return histogram.lines().map(String::trim).filter(l -> l.startsWith("Total"))
        .mapToLong(l -> Long.parseLong(l.split("\\s+")[2])).sum();
  }
}
