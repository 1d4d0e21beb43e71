package io.gatehouse.transport.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.TestPki;
import io.gatehouse.transport.testing.TestServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import javax.management.ObjectName;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transport faults: clients that vanish mid-request or mid-stream (TCP reset), and shutdown under
 * load. The never-reading SSE client is {@code HttpRulesTest#aReaderThatStopsReadingIsCutOffInsteadOfBuffered}.
 */
class TransportFaultTest {
  @TempDir Path dir;

  static Map<String, String> headers(String session) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Accept", "application/json, text/event-stream");
    h.put("Content-Type", "application/json");
    if (session != null) {
      h.put("Mcp-Session-Id", session);
    }
    return h;
  }

  static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
      + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

  static String call(String tool, int id) {
    return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\""
        + tool + "\",\"arguments\":{\"text\":\"hi\"},\"_meta\":{\"progressToken\":\"p" + id + "\"}}}";
  }

  static String session(SSLContext tls, int port) throws IOException {
    try (RawHttp raw = RawHttp.connect(tls, port)) {
      return raw.exchange(RawHttp.request("POST", "/mcp", headers(null), INITIALIZE)).header("mcp-session-id");
    }
  }

  static TransportConfig config(TestPki pki) {
    TransportConfig config = TestServer.tlsConfig(pki);
    return config.withLimits(config.limits().withSessions(10_000, 10_000, Duration.ofMinutes(30)));
  }

  @Test
  void abruptDisconnectsMidRequestAndMidStreamLeaveNothingBehind() throws Exception {
    TestPki pki = TestPki.create(dir, "faults");
    SSLContext tls = pki.clientContext(null);
    try (TestServer server = TestServer.start(config(pki))) {
      int port = server.port();
      String session = session(tls, port);
      for (int i = 0; i < 40; i++) {
        RawHttp raw = RawHttp.connect(tls, port);
        switch (i % 4) {
          // Half a request, then a reset.
          case 0 -> raw.send("POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Length: 500\r\n\r\n{\"jsonrpc\"");
          // A whole tool call, reset before the answer.
          case 1 -> raw.send(RawHttp.request("POST", "/mcp", headers(session), call("progress", i)));
          // A listening stream, reset once it is open.
          case 2 -> {
            Map<String, String> get = headers(session);
            get.put("Accept", "text/event-stream");
            assertThat(raw.send(RawHttp.request("GET", "/mcp", get, null)).readHead().status()).isEqualTo(200);
          }
          // A call whose response stream has started, reset mid-stream.
          default -> assertThat(raw.send(RawHttp.request("POST", "/mcp", headers(session), call("progress", i)))
              .readHead().status()).isEqualTo(200);
        }
        reset(raw);
      }
      // Every stream the resets left is gone, and the server still answers a full call.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (server.transport.openStreamCount() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(server.transport.openStreamCount()).isZero();
      try (RawHttp raw = RawHttp.connect(tls, port)) {
        RawHttp.Response head = raw.send(RawHttp.request("POST", "/mcp", headers(session), call("echo", 99))).readHead();
        assertThat(head.status()).isEqualTo(200);
        assertThat(raw.readEvent()).contains("\"id\":99").contains("hi");
      }
    }
  }

  @Test
  void shutdownUnderLoadAnswersEveryRequestOrClosesCleanly() throws Exception {
    TestPki pki = TestPki.create(dir, "load");
    SSLContext tls = pki.clientContext(null);
    TestServer server = TestServer.start(config(pki));
    int port = server.port();
    String session = session(tls, port);
    Set<Integer> statuses = ConcurrentHashMap.newKeySet();
    AtomicInteger answered = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> running = new java.util.ArrayList<>();
      for (int c = 0; c < 8; c++) {
        running.add(clients.submit(() -> {
          int id = 0;
          while (!stop.get()) {
            try (RawHttp raw = RawHttp.connect(tls, port)) {
              RawHttp.Response head = raw.send(RawHttp.request("POST", "/mcp", headers(session), call("echo", ++id))).readHead();
              statuses.add(head.status());
              if (head.status() == 200) {
                String event = raw.readEvent();
                // A started call is finished: its response arrives, or the connection ends.
                assertThat(event == null || event.contains("\"id\":" + id)).isTrue();
              }
              answered.incrementAndGet();
            } catch (IOException refusedOrClosed) {
              // after the listener closed: connection refused or closed; both are clean
            }
          }
          return null;
        }));
      }
      while (answered.get() < 50) {
        Thread.sleep(20);
      }
      assertThat(server.server.shutdown(Duration.ofSeconds(20))).isTrue();
      stop.set(true);
      for (Future<?> f : running) {
        f.get(60, TimeUnit.SECONDS); // rethrows an assertion failure from a client
      }
    } finally {
      stop.set(true);
      clients.shutdownNow();
      server.close();
    }
    // Only "served" and "shutting down": never a 5xx from a half-closed component.
    assertThat(statuses).isSubsetOf(200, 503).contains(200);
    assertThat(server.transport.sessionCount()).isZero();
  }

  @Test
  @Disabled("defect: every finished per-request SSE stream stays reachable until its connection "
      + "closes (SseStream.open adds a channel closeFuture listener that end() never removes; the "
      + "listener holds the stream and its cancelled keep-alive task), so one kept-alive client "
      + "grows server memory by ~0.7 KB per tools/call without bound (soak: 40 MB -> 96 MB heap "
      + "after GC in 30 s); fix pending in transport (remove the listener in end())")
  void finishedStreamsAreNotRetainedByAKeptAliveConnection() throws Exception {
    TestPki pki = TestPki.create(dir, "retain");
    SSLContext tls = pki.clientContext(null);
    try (TestServer server = TestServer.start(config(pki))) {
      String session = session(tls, server.port());
      try (RawHttp raw = RawHttp.connect(tls, server.port())) {
        for (int id = 2; id < 2002; id++) {
          assertThat(raw.send(RawHttp.request("POST", "/mcp", headers(session), call("echo", id)))
              .readHead().status()).isEqualTo(200);
          assertThat(raw.readEvent()).contains("\"id\":" + id);
          while (raw.readChunk() != null) {
            // the stream's terminating chunk
          }
        }
        // The connection is still open; no stream is. Count live SseStream objects after a full GC.
        assertThat(server.transport.openStreamCount()).isZero();
        assertThat(liveInstances("io.gatehouse.transport.mcp.SseStream")).isLessThan(100);
      }
    }
  }

  /** Live instances of {@code className} after a full GC (the JVM's GC.class_histogram). */
  static long liveInstances(String className) throws Exception {
    String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
        new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
        new Object[] {new String[0]}, new String[] {String[].class.getName()});
    return histogram.lines().map(String::trim).filter(l -> l.endsWith(" " + className))
        .mapToLong(l -> Long.parseLong(l.split("\\s+")[1])).sum();
  }

  /** Closes with a TCP RST (SO_LINGER 0) instead of an orderly close. */
  private static void reset(RawHttp raw) throws IOException {
    java.lang.reflect.Field socket;
    try {
      socket = RawHttp.class.getDeclaredField("socket");
      socket.setAccessible(true);
      ((Socket) socket.get(raw)).setSoLinger(true, 0);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
    raw.close();
  }
}
