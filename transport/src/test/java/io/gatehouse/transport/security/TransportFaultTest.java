package io.gatehouse.transport.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.testing.TestServer;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transport faults: clients that vanish mid-request or mid-stream (TCP reset), and shutdown under
 * load. The never-reading SSE client is {@code HttpRulesTest#aReaderThatStopsReadingIsCutOffInsteadOfBuffered};
 * finished streams on a kept-alive connection are {@code StreamRetentionTest}.
 */
class TransportFaultTest {
  @TempDir Path dir;

  static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
      + "{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

  static String call(String tool, int id) {
    return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\""
        + tool + "\",\"arguments\":{\"text\":\"hi\"},\"_meta\":{\"progressToken\":\"p" + id + "\"}}}";
  }

  static String session(SSLContext tls, int port) throws IOException {
    try (RawHttp raw = RawHttp.connect(tls, port)) {
      return raw.exchange(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(null), INITIALIZE)).header("mcp-session-id");
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
          case 1 -> raw.send(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(session), call("progress", i)));
          // A listening stream, reset once it is open.
          case 2 -> {
            Map<String, String> get = RawHttp.mcpHeaders(session);
            get.put("Accept", "text/event-stream");
            assertThat(raw.send(RawHttp.request("GET", "/mcp", get, null)).readHead().status()).isEqualTo(200);
          }
          // A call whose response stream has started, reset mid-stream.
          default -> assertThat(raw.send(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(session), call("progress", i)))
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
        RawHttp.Response head = raw.send(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(session), call("echo", 99))).readHead();
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
              RawHttp.Response head = raw.send(RawHttp.request("POST", "/mcp", RawHttp.mcpHeaders(session), call("echo", ++id))).readHead();
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
