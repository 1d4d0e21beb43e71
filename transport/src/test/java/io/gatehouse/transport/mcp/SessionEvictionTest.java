package io.gatehouse.transport.mcp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.RequestPrincipal;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.HttpResponses;
import io.gatehouse.transport.http.StageResult;
import io.gatehouse.transport.server.extension.PipelineSlot;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.TestServer;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * Clients that never DELETE their sessions (the TypeScript SDK, MCP Inspector, mcp-remote) are
 * not locked out at {@code maxSessionsPerPrincipal} (issue 11, finding 6): the principal's least
 * recently used session is evicted and answers 404 afterwards; other principals' sessions stay.
 * The global {@code maxSessions} still refuses (503).
 */
class SessionEvictionTest {
  static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{"
      + "\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},"
      + "\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}";
  static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

  /** {@code X-Test-User} names the principal (an API-key principal of that id). */
  static CompletionStage<StageResult> authenticate(GatehouseRequest request) {
    String user = request.header("X-Test-User");
    if (user == null) {
      return CompletableFuture.completedFuture(StageResult.respond(
          HttpResponses.error(HttpResponseStatus.UNAUTHORIZED, "unauthorized", "who?")));
    }
    RequestPrincipal.set(request, new Principal(user, Set.of(), AuthMethod.API_KEY, user));
    return StageResult.proceedNow();
  }

  static TestServer start(TransportConfig.Limits limits) {
    TransportConfig config = TransportConfig.defaults().withAddress("127.0.0.1", 0).withPlainHttp()
        .withLimits(limits);
    return TestServer.start(config, Map.of(PipelineSlot.AUTHENTICATE,
        List.of(SessionEvictionTest::authenticate)));
  }

  @Test
  void theThirtyThirdSessionEvictsTheLeastRecentlyUsedOfThatPrincipalOnly() throws Exception {
    TransportConfig.Limits limits = TransportConfig.Limits.defaults();
    assertThat(limits.maxSessionsPerPrincipal()).isEqualTo(32);
    try (TestServer server = start(limits)) {
      String bob = initialize(server, "bob");
      List<String> alice = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        alice.add(initialize(server, "alice"));
      }
      Thread.sleep(5);
      // Used again: the oldest session is no longer the least recently used one.
      assertThat(use(server, "alice", alice.get(0))).isEqualTo(202);
      for (int i = 0; i < 8; i++) {
        alice.add(initialize(server, "alice")); // 40 in all, none refused
      }
      assertThat(server.transport.sessionCount()).isEqualTo(1 + 32);
      assertThat(use(server, "alice", alice.get(0))).isEqualTo(202);
      for (int i = 1; i <= 8; i++) {
        assertThat(use(server, "alice", alice.get(i))).as("evicted session %d", i).isEqualTo(404);
      }
      for (int i = 9; i < alice.size(); i++) {
        assertThat(use(server, "alice", alice.get(i))).as("session %d", i).isEqualTo(202);
      }
      assertThat(use(server, "bob", bob)).isEqualTo(202);
    }
  }

  @Test
  void theGlobalLimitStillRefuses() throws Exception {
    try (TestServer server = start(TransportConfig.Limits.defaults()
        .withSessions(3, 32, Duration.ofMinutes(30)))) {
      for (String user : List.of("a", "b", "c")) {
        initialize(server, user);
      }
      try (RawHttp raw = RawHttp.connect(null, server.port())) {
        RawHttp.Response refused = raw.exchange(RawHttp.request("POST", "/mcp", headers("d", null),
            INIT));
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo("60");
        assertThat(refused.body()).contains("too_many_sessions");
      }
    }
  }

  static Map<String, String> headers(String user, String session) {
    Map<String, String> headers = RawHttp.mcpHeaders(session);
    headers.put("X-Test-User", user);
    return headers;
  }

  static String initialize(TestServer server, String user) throws IOException {
    try (RawHttp raw = RawHttp.connect(null, server.port())) {
      RawHttp.Response init = raw.exchange(RawHttp.request("POST", "/mcp", headers(user, null), INIT));
      assertThat(init.status()).isEqualTo(200);
      return init.header("Mcp-Session-Id");
    }
  }

  /** Sends {@code notifications/initialized} on {@code session}: 202 while it lives, else 404. */
  static int use(TestServer server, String user, String session) throws IOException {
    try (RawHttp raw = RawHttp.connect(null, server.port())) {
      return raw.exchange(RawHttp.request("POST", "/mcp", headers(user, session), INITIALIZED))
          .status();
    }
  }
}
