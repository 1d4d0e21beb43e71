package io.gatehouse.transport.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.RequestPrincipal;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.server.extension.PipelineSlot;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RawHttp.Response;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.testing.TestServer;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every HTTP rule of the transport, asserted with a raw HTTP/1.1 client over real TLS: exact
 * statuses and headers, no SDK on the client side. The server runs two test stages in the auth
 * slots: an asynchronous header authenticator ({@code X-Test-User}, completed on another thread)
 * and an authorizer refusing the tool {@code forbidden} — the hook the auth pipeline uses.
 */
class HttpRulesTest {
  static final String ACCEPT_BOTH = "application/json, text/event-stream";
  static final int MAX_BODY = 64 * 1024;

  @TempDir static Path dir;
  static TestServer server;
  static SSLContext tls;
  static ExecutorService authPool = Executors.newFixedThreadPool(2);

  @BeforeAll
  static void start() {
    TestPki pki = TestPki.create(dir, "rules");
    TransportConfig config = TestServer.tlsConfig(pki)
        .withLimits(TransportConfig.Limits.defaults()
            .withMaxBodyBytes(MAX_BODY)
            .withHeaders(4096, 20)
            .withRequestReadTimeout(Duration.ofSeconds(2))
            .withSessions(100, 3, Duration.ofMinutes(5))
            .withSse(Duration.ofSeconds(15), 64 * 1024))
        .withAllowed(TransportConfig.LOOPBACK_HOSTS, List.of("https://app.example"));
    server = TestServer.start(config, Map.of(
        PipelineSlot.AUTHENTICATE, List.of(HttpRulesTest::authenticate),
        PipelineSlot.AUTHORIZE, List.of(HttpRulesTest::authorize)));
    tls = pki.clientContext(null);
  }

  @AfterAll
  static void stop() {
    server.close();
    authPool.shutdownNow();
  }

  /** Test authenticator: completes on another thread, like OCSP or JWKS work would. */
  static CompletableFuture<StageResult> authenticate(GatehouseRequest request) {
    return CompletableFuture.supplyAsync(() -> {
      String user = request.header("X-Test-User");
      if (user == null) {
        var response = HttpResponses.error(HttpResponseStatus.UNAUTHORIZED, "unauthorized",
            "credentials required");
        response.headers().set("WWW-Authenticate", "Bearer");
        return StageResult.respond(response);
      }
      RequestPrincipal.set(request, new Principal(user, Set.of(), AuthMethod.API_KEY, user));
      return StageResult.proceed();
    }, authPool);
  }

  /** Set if a stage ever ran off the channel's event loop. */
  static final java.util.concurrent.atomic.AtomicBoolean stageOffLoop =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Test authorizer: reads the tool name parsed once, before the SDK sees the call. */
  static CompletableFuture<StageResult> authorize(GatehouseRequest request) {
    if (!request.channel().eventLoop().inEventLoop()) {
      stageOffLoop.set(true);
    }
    if (request.toolName().filter("forbidden"::equals).isPresent()) {
      var response = HttpResponses.error(HttpResponseStatus.FORBIDDEN, "insufficient_scope",
          "tool forbidden is not allowed");
      response.headers().set("WWW-Authenticate",
          "Bearer error=\"insufficient_scope\", scope=\"tool:forbidden\"");
      return CompletableFuture.completedFuture(StageResult.respond(response));
    }
    return CompletableFuture.completedFuture(StageResult.proceed());
  }

  /** A principal of its own for each test, so per-principal session limits stay per test. */
  String user = "user-" + java.util.UUID.randomUUID();

  static Map<String, String> mcpHeaders(String user, String session) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", ACCEPT_BOTH);
    headers.put("Content-Type", "application/json");
    headers.put("X-Test-User", user);
    if (session != null) {
      headers.put("Mcp-Session-Id", session);
    }
    return headers;
  }

  static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> copy = new LinkedHashMap<>(headers);
    if (value == null) {
      copy.remove(name);
    } else {
      copy.put(name, value);
    }
    return copy;
  }

  static Response call(String method, String path, Map<String, String> headers, String body)
      throws IOException {
    try (RawHttp raw = RawHttp.connect(tls, server.port())) {
      Response response = raw.exchange(RawHttp.request(method, path, headers, body));
      if ("text/event-stream".equals(response.header("content-type"))) {
        StringBuilder events = new StringBuilder();
        for (String chunk = raw.readChunk(); chunk != null; chunk = raw.readChunk()) {
          events.append(chunk);
        }
        return new Response(response.status(), response.headers(), events.toString());
      }
      return response;
    }
  }

  static String rpc(int id, String method, String params) {
    return "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"" + method + "\""
        + (params == null ? "" : ",\"params\":" + params) + "}";
  }

  static final String INIT_PARAMS = "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
      + "\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}";

  static Response initialize(String user) throws IOException {
    return call("POST", "/mcp", mcpHeaders(user, null), rpc(1, "initialize", INIT_PARAMS));
  }

  static String session(String user) throws IOException {
    Response init = initialize(user);
    assertThat(init.status()).isEqualTo(200);
    String id = init.header("mcp-session-id");
    assertThat(call("POST", "/mcp", mcpHeaders(user, id),
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").status())
        .isEqualTo(202);
    return id;
  }

  static void assertJsonError(Response response, int status, String error) {
    assertThat(response.status()).isEqualTo(status);
    assertThat(response.header("content-type")).isEqualTo("application/json");
    assertThat(response.body()).contains("\"error\":\"" + error + "\"")
        .contains("\"error_description\":").doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(response.header("x-content-type-options")).isEqualTo("nosniff");
    assertThat(response.header("cache-control")).isEqualTo("no-store");
  }

  @Test
  void initializeAnswersJsonWithARandomVisibleAsciiSessionId() throws IOException {
    Response a = initialize(user);
    Response b = initialize(user);
    assertThat(a.status()).isEqualTo(200);
    assertThat(a.header("content-type")).isEqualTo("application/json");
    assertThat(a.header("mcp-session-id")).matches("[\\x21-\\x7E]{32,}")
        .isNotEqualTo(b.header("mcp-session-id"));
    assertThat(a.body()).contains("\"protocolVersion\":\"2025-06-18\"").contains("\"id\":1");
    assertThat(a.header("x-content-type-options")).isEqualTo("nosniff");
    assertThat(a.header("cache-control")).isEqualTo("no-store");
  }

  @Test
  void requestsAnswerWithSseFramesAndNotificationsInWireOrder() throws IOException {
    String session = session(user);
    Response list = call("POST", "/mcp", mcpHeaders(user, session), rpc(2, "tools/list", null));
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.header("content-type")).isEqualTo("text/event-stream");
    assertThat(list.header("cache-control")).isEqualTo("no-store");
    assertThat(list.body()).containsPattern(
        "(id: \\S+\n)?event: message\ndata: \\{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":\\{\"tools\"");

    Response progress = call("POST", "/mcp", mcpHeaders(user, session), rpc(3, "tools/call",
        "{\"name\":\"progress\",\"_meta\":{\"progressToken\":\"p\"}}"));
    List<String> data = Pattern.compile("data: (.*)\n").matcher(progress.body()).results()
        .map(m -> m.group(1)).toList();
    assertThat(data).hasSize(5);
    for (int i = 0; i < 3; i++) {
      assertThat(data.get(i)).contains("notifications/progress").contains("\"progress\":" + (i + 1));
    }
    assertThat(data.get(3)).contains("notifications/message").contains("progress done");
    assertThat(data.get(4)).contains("\"id\":3").contains("\"text\":\"done\"");
  }

  @Test
  void acceptAndContentTypeAreChecked() throws IOException {
    String session = session(user);
    Map<String, String> headers = mcpHeaders(user, session);
    String body = rpc(2, "tools/list", null);
    assertJsonError(call("POST", "/mcp", with(headers, "Accept", null), body), 400,
        "invalid_request");
    assertJsonError(call("POST", "/mcp", with(headers, "Accept", "application/json"), body), 400,
        "invalid_request");
    assertJsonError(call("POST", "/mcp", with(headers, "Content-Type", "text/plain"), body), 415,
        "unsupported_media_type");
    assertThat(call("POST", "/mcp",
        with(headers, "Content-Type", "application/json; charset=utf-8"), body).status())
        .isEqualTo(200);
  }

  @Test
  void malformedBodiesAre400WithoutDetail() throws IOException {
    String session = session(user);
    Map<String, String> headers = mcpHeaders(user, session);
    for (String bad : List.of("{not json", "[" + rpc(2, "tools/list", null) + "]", "{}",
        "{\"jsonrpc\":\"2.0\",\"id\":2}", "")) {
      assertJsonError(call("POST", "/mcp", headers, bad), 400, "invalid_request");
    }
  }

  @Test
  void sessionsAreRequiredKnownAndOwned() throws IOException {
    String session = session(user);
    String body = rpc(2, "tools/list", null);
    assertJsonError(call("POST", "/mcp", mcpHeaders(user, null), body), 400,
        "missing_session");
    assertJsonError(call("POST", "/mcp", mcpHeaders(user, "no-such-session"), body), 404,
        "session_not_found");
    // Another principal presenting alice's session id learns nothing: the same 404.
    assertJsonError(call("POST", "/mcp", mcpHeaders("mallory", session), body), 404,
        "session_not_found");
    assertJsonError(call("DELETE", "/mcp", mcpHeaders("mallory", session), null), 404,
        "session_not_found");
    assertThat(call("POST", "/mcp", mcpHeaders(user, session), body).status()).isEqualTo(200);

    Response deleted = call("DELETE", "/mcp", mcpHeaders(user, session), null);
    assertThat(deleted.status()).isEqualTo(200);
    assertJsonError(call("POST", "/mcp", mcpHeaders(user, session), body), 404,
        "session_not_found");
    assertJsonError(call("GET", "/mcp",
        with(mcpHeaders(user, session), "Accept", "text/event-stream"), null), 404,
        "session_not_found");
    assertJsonError(call("DELETE", "/mcp", mcpHeaders(user, session), null), 404,
        "session_not_found");
  }

  @Test
  void protocolVersionIsCheckedAndDefaulted() throws IOException {
    String session = session(user);
    String whoami = rpc(2, "tools/call", "{\"name\":\"whoami\"}");
    assertJsonError(call("POST", "/mcp",
        with(mcpHeaders(user, session), "MCP-Protocol-Version", "1999-01-01"), whoami),
        400, "unsupported_protocol_version");
    assertJsonError(call("POST", "/mcp",
        with(mcpHeaders(user, null), "MCP-Protocol-Version", "2024-11-05"),
        rpc(1, "initialize", INIT_PARAMS)), 400, "unsupported_protocol_version");
    assertThat(call("POST", "/mcp",
        with(mcpHeaders(user, session), "MCP-Protocol-Version", "2025-06-18"), whoami).body())
        .contains(user + "|2025-06-18|" + session);
    // Absent: the spec's default revision.
    assertThat(call("POST", "/mcp", mcpHeaders(user, session), whoami).body())
        .contains(user + "|2025-03-26|" + session);
  }

  @Test
  void hostAndOriginAreAllowListed() throws IOException {
    Map<String, String> headers = mcpHeaders(user, null);
    String init = rpc(1, "initialize", INIT_PARAMS);
    assertJsonError(call("POST", "/mcp", with(headers, "Host", "evil.example"), init), 421,
        "misdirected_request");
    assertJsonError(call("POST", "/mcp", with(headers, "Host", "evil.example:" + server.port()),
        init), 421, "misdirected_request");
    assertJsonError(call("POST", "/mcp", with(headers, "Origin", "https://evil.example"), init),
        403, "forbidden_origin");
    assertJsonError(call("POST", "/mcp", with(headers, "Origin", "null"), init), 403,
        "forbidden_origin");
    assertThat(call("POST", "/mcp", with(headers, "Origin", "https://app.example"), init)
        .status()).isEqualTo(200);
    assertThat(call("POST", "/mcp", with(headers, "Host", "127.0.0.1:" + server.port()), init)
        .status()).isEqualTo(200);
    try (RawHttp raw = RawHttp.connect(tls, server.port())) {
      Response noHost = raw.exchange("GET /healthz HTTP/1.0\r\n\r\n");
      assertJsonError(noHost, 400, "invalid_request");
    }
  }

  /**
   * Bound to loopback, the server's own origin is accepted without being listed (the MCP
   * conformance suite's dns-rebinding-protection check sends {@code Origin: http://localhost:<port>}),
   * and only that origin: another port or another loopback name is another origin.
   */
  @Test
  void theServersOwnLoopbackOriginIsAcceptedWithoutBeingListed() throws IOException {
    int port = server.port();
    String init = rpc(1, "initialize", INIT_PARAMS);
    Map<String, String> localhost = with(mcpHeaders(user, null), "Host", "localhost:" + port);
    for (String own : List.of("http://localhost:" + port, "https://localhost:" + port,
        "HTTP://LOCALHOST:" + port)) {
      assertThat(call("POST", "/mcp", with(localhost, "Origin", own), init).status()).as(own)
          .isEqualTo(200);
    }
    assertThat(call("POST", "/mcp", with(with(localhost, "Host", "127.0.0.1:" + port), "Origin",
        "http://127.0.0.1:" + port), init).status()).isEqualTo(200);
    assertThat(call("POST", "/mcp", with(with(localhost, "Host", "[::1]:" + port), "Origin",
        "http://[::1]:" + port), init).status()).isEqualTo(200);
    for (String other : List.of("http://localhost:" + (port == 65535 ? 1 : port + 1),
        "http://localhost", "https://localhost", "http://127.0.0.1:" + port,
        "http://localhost:" + port + "/", "http://user@localhost:" + port,
        "file://localhost:" + port, "http://localhost.evil.example:" + port, "null")) {
      assertJsonError(call("POST", "/mcp", with(localhost, "Origin", other), init), 403,
          "forbidden_origin");
    }
  }

  @Test
  void oversizedBodiesAre413AndCloseTheConnection() throws IOException {
    String session = session(user);
    String big = rpc(2, "tools/call",
        "{\"name\":\"echo\",\"arguments\":{\"text\":\"" + "x".repeat(MAX_BODY) + "\"}}");
    try (RawHttp raw = RawHttp.connect(tls, server.port())) {
      // Announced by Content-Length: refused before the body is read.
      Response response = raw.exchange(RawHttp.request("POST", "/mcp",
          mcpHeaders(user, session), big));
      assertJsonError(response, 413, "payload_too_large");
      assertThat(response.header("connection")).isEqualTo("close");
      assertThat(raw.closedByPeer(5000)).isTrue();
    }
    try (RawHttp raw = RawHttp.connect(tls, server.port())) {
      // Discovered while reading a chunked body.
      StringBuilder request = new StringBuilder("POST /mcp HTTP/1.1\r\nHost: localhost\r\n"
          + "Transfer-Encoding: chunked\r\n");
      mcpHeaders(user, session).forEach((k, v) -> request.append(k + ": " + v + "\r\n"));
      request.append("\r\n");
      for (int i = 0; i < 80; i++) {
        request.append("400\r\n").append("y".repeat(0x400)).append("\r\n");
      }
      raw.send(request.append("0\r\n\r\n").toString());
      assertJsonError(raw.read(), 413, "payload_too_large");
    }
    // Just under the limit is fine.
    String fits = rpc(2, "tools/call",
        "{\"name\":\"echo\",\"arguments\":{\"text\":\"" + "x".repeat(MAX_BODY - 200) + "\"}}");
    assertThat(call("POST", "/mcp", mcpHeaders(user, session), fits).status()).isEqualTo(200);
  }

  @Test
  void headerFloodsAre431() throws IOException {
    Map<String, String> many = new HashMap<>(mcpHeaders(user, null));
    for (int i = 0; i < 20; i++) {
      many.put("X-Flood-" + i, "v");
    }
    Response tooMany = call("POST", "/mcp", many, rpc(1, "initialize", INIT_PARAMS));
    assertJsonError(tooMany, 431, "too_many_headers");
    assertThat(tooMany.header("connection")).isEqualTo("close");
    Response tooBig = call("POST", "/mcp",
        with(mcpHeaders(user, null), "X-Big", "b".repeat(5000)),
        rpc(1, "initialize", INIT_PARAMS));
    assertJsonError(tooBig, 431, "header_too_large");
    Response longLine = call("GET", "/" + "l".repeat(9000), Map.of(), null);
    assertJsonError(longLine, 414, "uri_too_long");
  }

  @Test
  void aClientSendingHeadersByteByByteIsDropped() throws Exception {
    byte[] head = ("POST /mcp HTTP/1.1\r\nHost: localhost\r\nAccept: " + ACCEPT_BOTH
        + "\r\nX-Test-User: alice\r\n").getBytes();
    try (RawHttp raw = RawHttp.connect(tls, server.port())) {
      boolean writeFailed = false;
      for (int i = 0; i < head.length && !writeFailed; i++) {
        try {
          raw.send(new String(head, i, 1));
        } catch (IOException e) {
          writeFailed = true;
        }
        Thread.sleep(100);
      }
      // The request never completed; the server closed without answering (EOF, no status line).
      assertThat(writeFailed || raw.closedByPeer(10_000)).isTrue();
    }
  }

  @Test
  void healthIsPublicAndOtherPathsAreNot() throws IOException {
    Response health = call("GET", "/healthz", Map.of(), null);
    assertThat(health.status()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
    assertThat(health.header("x-content-type-options")).isEqualTo("nosniff");
    assertJsonError(call("POST", "/healthz", Map.of(), ""), 405, "method_not_allowed");
    Response anonymous = call("GET", "/elsewhere", Map.of(), null);
    assertJsonError(anonymous, 401, "unauthorized");
    assertThat(anonymous.header("www-authenticate")).isEqualTo("Bearer");
    assertJsonError(call("GET", "/elsewhere", Map.of("X-Test-User", user), null), 404,
        "not_found");
    Response put = call("PUT", "/mcp", mcpHeaders(user, null), "{}");
    assertJsonError(put, 405, "method_not_allowed");
    assertThat(put.header("allow")).isEqualTo("GET, POST, DELETE");
  }

  @Test
  void stagesRunInTheDesignOrderAndResumeOnTheEventLoop() throws IOException {
    assertThat(server.server.requestStageNames()).containsExactly("host-origin",
        "mcp-protocol-version", "healthz", "readyz", "authenticate:stage", "authorize:stage");
    // The authenticator completes on another thread; the next stage still runs on the loop.
    assertThat(call("POST", "/mcp", mcpHeaders(user, session(user)),
        rpc(2, "tools/list", null)).status()).isEqualTo(200);
    assertThat(stageOffLoop).isFalse();
  }

  @Test
  void theAuthorizeSlotSeesTheToolNameBeforeTheSdk() throws IOException {
    String session = session(user);
    Response refused = call("POST", "/mcp", mcpHeaders(user, session),
        rpc(2, "tools/call", "{\"name\":\"forbidden\"}"));
    assertJsonError(refused, 403, "insufficient_scope");
    assertThat(refused.header("www-authenticate")).contains("scope=\"tool:forbidden\"");
    assertThat(server.calls).doesNotContainKey("forbidden");
    assertThat(call("POST", "/mcp", mcpHeaders(user, session),
        rpc(3, "tools/call", "{\"name\":\"echo\",\"arguments\":{\"text\":\"ok\"}}")).body())
        .contains("\"text\":\"ok\"");
  }

  @Test
  void sessionsPerPrincipalAreBoundedByEvictingTheLeastRecentlyUsed() throws IOException {
    List<String> sessions = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Response init = initialize("carol");
      assertThat(init.status()).isEqualTo(200);
      sessions.add(init.header("mcp-session-id"));
    }
    String daves = session("dave");
    // The fourth evicted the first (limit 3): it is gone like an expired session.
    assertThat(call("POST", "/mcp", mcpHeaders("carol", sessions.get(0)),
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").status()).isEqualTo(404);
    for (String kept : sessions.subList(1, 4)) {
      assertThat(call("POST", "/mcp", mcpHeaders("carol", kept),
          "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").status()).isEqualTo(202);
    }
    assertThat(call("POST", "/mcp", mcpHeaders("dave", daves),
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").status()).isEqualTo(202);
  }

  @Test
  void listeningStreamCarriesServerNotificationsAndEndsOnDelete() throws Exception {
    String session = session("erin");
    Map<String, String> get = with(mcpHeaders("erin", session), "Accept", "application/json");
    assertJsonError(call("GET", "/mcp", get, null), 400, "invalid_request");
    assertJsonError(call("GET", "/mcp",
        with(mcpHeaders("erin", null), "Accept", "text/event-stream"), null), 400,
        "missing_session");
    try (RawHttp stream = RawHttp.connect(tls, server.port())) {
      Response head = stream.send(RawHttp.request("GET", "/mcp",
          with(mcpHeaders("erin", session), "Accept", "text/event-stream"), null)).readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-type")).isEqualTo("text/event-stream");
      server.transport.notifyClient(session, "notifications/message",
          Map.of("level", "info", "data", "to erin")).block(Duration.ofSeconds(10));
      assertThat(stream.readEvent()).contains("notifications/message").contains("to erin");
      server.transport.notifyClients("notifications/message",
          Map.of("level", "info", "data", "to everyone")).block(Duration.ofSeconds(10));
      assertThat(stream.readEvent()).contains("to everyone");
      assertThat(call("DELETE", "/mcp", mcpHeaders("erin", session), null).status())
          .isEqualTo(200);
      // The stream ends with the terminating chunk.
      assertThat(stream.readEvent()).isNull();
    }
  }

  @Test
  void aReaderThatStopsReadingIsCutOffInsteadOfBuffered() throws Exception {
    String session = session("frank");
    Map<String, Object> payload = Map.of("level", "info", "data", "z".repeat(16 * 1024));
    try (RawHttp stream = RawHttp.connect(tls, server.port(), 4096)) {
      Response head = stream.send(RawHttp.request("GET", "/mcp",
          with(mcpHeaders("frank", session), "Accept", "text/event-stream"), null)).readHead();
      assertThat(head.status()).isEqualTo(200);
      Throwable failure = null;
      // Never read: socket buffers fill, then the 64 KiB outbound bound trips. 4096 x 16 KiB
      // (64 MiB) is far beyond any kernel buffering, so reaching the end means no bound.
      for (int i = 0; i < 4096 && failure == null; i++) {
        try {
          server.transport.notifyClient(session, "notifications/message", payload)
              .block(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
          failure = e;
        }
      }
      assertThat(failure).isNotNull();
      assertThat(stream.closedByPeer(10_000)).isTrue();
    }
  }
}
