package io.gatehouse.transport.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sessions nobody uses are closed, so abandoned clients cannot exhaust the session limits. */
class SessionExpiryTest {
  static final Map<String, String> HEADERS = Map.of(
      "Accept", "application/json, text/event-stream", "Content-Type", "application/json");

  static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
      + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
      + "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";

  /**
   * The idle window here. Each test does one step inside it after initializing (opening the
   * stream, counting the session), so it must outlast any stall of a loaded 2-core machine: at
   * 300 ms a pause of the test thread let the session expire first (404 / count 0).
   */
  static final Duration IDLE = Duration.ofSeconds(2);
  /** How long the tests wait for the sweep: the idle window, a sweep period, and a loaded machine. */
  static final Duration SWEPT_WITHIN = Duration.ofSeconds(20);

  /**
   * A listening stream is no activity: a session that only listens expires after the idle window
   * like any other, and its stream ends (it used to be skipped by the sweep forever).
   */
  @Test
  void aSessionWithAListeningStreamStillExpires() throws Exception {
    TransportConfig config = TransportConfig.defaults().withAddress("127.0.0.1", 0).withPlainHttp()
        .withLimits(TransportConfig.Limits.defaults()
            .withSessions(100, 5, IDLE));
    try (TestServer server = TestServer.start(config)) {
      String session;
      try (RawHttp raw = RawHttp.connect(null, server.port())) {
        session = raw.exchange(RawHttp.request("POST", "/mcp", HEADERS, INIT))
            .header("mcp-session-id");
      }
      try (RawHttp listening = RawHttp.connect(null, server.port())) {
        assertThat(listening.send(RawHttp.request("GET", "/mcp",
            Map.of("Accept", "text/event-stream", "Mcp-Session-Id", session), null))
            .readHead().status()).isEqualTo(200);
        awaitNoSessions(server);
        assertThat(server.transport.sessionCount()).isZero();
        // The stream ends with its terminating chunk.
        assertThat(listening.readEvent()).isNull();
      }
      try (RawHttp raw = RawHttp.connect(null, server.port())) {
        Map<String, String> headers = new java.util.HashMap<>(HEADERS);
        headers.put("Mcp-Session-Id", session);
        assertThat(raw.exchange(RawHttp.request("POST", "/mcp", headers,
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}")).status()).isEqualTo(404);
      }
    }
  }

  @Test
  void idleSessionsExpireAndTheirIdsAre404() throws Exception {
    TransportConfig config = TransportConfig.defaults().withAddress("127.0.0.1", 0).withPlainHttp()
        .withLimits(TransportConfig.Limits.defaults()
            .withSessions(100, 1, IDLE));
    try (TestServer server = TestServer.start(config)) {
      String init = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
          + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
          + "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
      String session;
      try (RawHttp raw = RawHttp.connect(null, server.port())) {
        session = raw.exchange(RawHttp.request("POST", "/mcp", HEADERS, init))
            .header("mcp-session-id");
      }
      assertThat(server.transport.sessionCount()).isEqualTo(1);
      awaitNoSessions(server);
      assertThat(server.transport.sessionCount()).isZero();
      try (RawHttp raw = RawHttp.connect(null, server.port())) {
        Map<String, String> headers = new java.util.HashMap<>(HEADERS);
        headers.put("Mcp-Session-Id", session);
        assertThat(raw.exchange(RawHttp.request("POST", "/mcp", headers,
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}")).status()).isEqualTo(404);
      }
      // The per-principal limit (1) is free again.
      try (RawHttp raw = RawHttp.connect(null, server.port())) {
        assertThat(raw.exchange(RawHttp.request("POST", "/mcp", HEADERS, init)).status())
            .isEqualTo(200);
      }
    }
  }

  private static void awaitNoSessions(TestServer server) throws InterruptedException {
    long deadline = System.nanoTime() + SWEPT_WITHIN.toNanos();
    while (server.transport.sessionCount() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }
}
