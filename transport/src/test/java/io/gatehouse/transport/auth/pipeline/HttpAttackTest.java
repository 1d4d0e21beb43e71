package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.auditContaining;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.mcpHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.auth.apikey.ApiKeyAuthenticator;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.auth.apikey.CreatedKey;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack matrix, HTTP and API-key families, through the real pipeline with every method enabled
 * (certificate OPTIONAL, JWT, API key). Already proven elsewhere and not repeated: oversized and
 * chunked-oversized bodies, header floods, slow headers ({@code HttpRulesTest}); another
 * principal's session ({@link CertificatePipelineTest}); sessions per principal bounded
 * ({@code HttpRulesTest#sessionsPerPrincipalAreLimited}); wrong and revoked API keys
 * ({@link FallbackPipelineTest}). After every case a good request is served ({@link #servesGood}),
 * and no response carries a stack trace or an echo of the attack.
 */
class HttpAttackTest {
  @TempDir static Path dir;
  static RealCa ca;
  static TestServer server;
  static GatehouseAuth auth;
  static ApiKeyStore keys;
  static CreatedKey key;
  static Path audit;
  static SSLContext noCertificate;
  static String token;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    keys = ApiKeyStore.open(dir.resolve("apikeys.json"));
    key = keys.create("bot", List.of("viewer"));
    audit = dir.resolve("audit.log");
    AuthConfig authConfig = AuthFixture.allMethods(dir, ca, keys, audit);
    TransportConfig config = AuthFixture.config(ca, authConfig);
    config = config.withLimits(config.limits().withRequestReadTimeout(Duration.ofSeconds(2)));
    server = TestServer.startSecure(config);
    auth = server.auth;
    noCertificate = ca.clientContext(null);
    token = ca.token("bob", AuthFixture.RESOURCE, "viewer");
  }

  @AfterAll
  static void stop() {
    server.close();
    auth.close();
    ca.close();
  }

  /** The server keeps serving after every case. */
  @AfterEach
  void servesGood() throws Exception {
    RawHttp.Response init = initialize(Map.of("X-API-Key", key.key()));
    assertThat(init.status()).isEqualTo(200);
  }

  @Test
  void chunkedBodyWithoutEndIsDroppedAtTheReadDeadline() throws Exception {
    try (RawHttp raw = RawHttp.connect(noCertificate, server.port())) {
      raw.send("POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + key.key()
          + "\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
          + "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"jsonrpc\":\"2.0\"\r\n");
      servesGood(); // others are served while this one hangs
      assertThat(raw.closedByPeer(30_000)).isTrue();
    }
  }

  @Test
  void traversalAndOddPathsNeverReachAnything() throws Exception {
    List<String> paths = List.of("/../../etc/passwd", "/mcp/../healthz/../mcp", "//mcp", "/%2e%2e/%2e%2e/etc/passwd",
        "/mcp%00", "/mcp%2f..", "/MCP", "/mcp;jsessionid=x", "/.well-known/../metrics", "/metrics/",
        "*", "http://evil.example/mcp", "/" + "a".repeat(4000));
    Map<String, String> headers = mcpHeaders(Map.of("X-API-Key", key.key()));
    for (String path : paths) {
      RawHttp.Response r = AuthFixture.exchange(noCertificate, server.port(), "POST", path, headers, initializeBody());
      assertThat(r.status()).as(path).isIn(400, 403, 404, 405);
      assertClean(r, path.length() > 8 ? path.substring(1) : "\0");
    }
    // Unauthenticated, every odd path is 401 (nothing learned about what exists).
    for (String path : List.of("/../../etc/passwd", "/metrics/", "//mcp")) {
      assertThat(AuthFixture.get(noCertificate, server.port(), path, Map.of()).status()).as(path).isIn(400, 401);
    }
  }

  @Test
  void duplicateSessionIdHeadersAreRefused() throws Exception {
    String mine = initialize(Map.of("X-API-Key", key.key())).header("Mcp-Session-Id");
    String other = initialize(Map.of("Authorization", "Bearer " + token)).header("Mcp-Session-Id");
    for (String second : List.of(other, "x")) {
      String request = "POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + key.key()
          + "\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
          + "Mcp-Session-Id: " + mine + "\r\nMcp-Session-Id: " + second + "\r\n"
          + "Content-Length: " + toolCall().length() + "\r\n\r\n" + toolCall();
      try (RawHttp raw = RawHttp.connect(noCertificate, server.port())) {
        RawHttp.Response r = raw.exchange(request);
        assertThat(r.status()).as(second).isIn(400, 404);
        assertClean(r, mine);
      }
    }
  }

  @Test
  void duplicateAuthorizationAndApiKeyHeadersAreRefused() throws Exception {
    for (String request : List.of(
        "GET /nothing HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
            + "\r\nAuthorization: Bearer " + token + "\r\n\r\n",
        "GET /nothing HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer garbage\r\nAuthorization: Bearer "
            + token + "\r\n\r\n",
        "GET /nothing HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + key.key() + "\r\nX-API-Key: "
            + key.key() + "\r\n\r\n")) {
      try (RawHttp raw = RawHttp.connect(noCertificate, server.port())) {
        RawHttp.Response r = raw.exchange(request);
        assertThat(r.status()).isEqualTo(401);
        assertClean(r, token);
        assertClean(r, key.key());
      }
    }
    assertThat(auditContaining(audit, "duplicate")).contains("duplicate")
        .doesNotContain(token).doesNotContain(key.key());
  }

  @Test
  void crlfAndControlCharactersInHeadersAreRefused() throws Exception {
    for (String header : List.of("X-A: a\rInjected: b", "X-A: a\nInjected: b", "X-A\r\n : folded",
        "X-A: a\u0000b", "Bad Name: x", " X-Leading: x")) {
      try (RawHttp raw = RawHttp.connect(noCertificate, server.port())) {
        raw.send("GET /nothing HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + key.key() + "\r\n"
            + header + "\r\n\r\n");
        RawHttp.Response r;
        try {
          r = raw.read();
        } catch (IOException closed) {
          continue; // dropping the connection is a refusal too
        }
        // 400/431 refused by the codec; 401 when obs-fold glued the line onto X-API-Key.
        assertThat(r.status()).as(header).isIn(400, 401, 431);
        assertThat(r.headers()).as(header).doesNotContainKey("injected");
        assertClean(r, "Injected");
      }
    }
  }

  @Test
  void invalidUtf8JsonIsA400() throws Exception {
    byte[] body = concat("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":{\"text\":\"",
        new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xED, (byte) 0xA0, (byte) 0x80}, "\"}}}");
    String session = initialize(Map.of("X-API-Key", key.key())).header("Mcp-Session-Id");
    String head = "POST /mcp HTTP/1.1\r\nHost: localhost\r\nX-API-Key: " + key.key()
        + "\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\n"
        + "Mcp-Session-Id: " + session + "\r\nContent-Length: " + body.length + "\r\n\r\n";
    String response = rawExchange(concat(head, body, ""));
    assertThat(response).startsWith("HTTP/1.1 400");
    assertThat(response).doesNotContain("Exception", "\tat ");
    assertThat(server.calls).doesNotContainKey("echo");
  }

  @Test
  void deeplyNestedHugeAndBatchJsonAreRefusedWithoutHarm() throws Exception {
    String session = initialize(Map.of("X-API-Key", key.key())).header("Mcp-Session-Id");
    Map<String, String> headers = mcpHeaders(Map.of("X-API-Key", key.key(), "Mcp-Session-Id", session));
    StringBuilder batch = new StringBuilder("[");
    for (int i = 0; i < 1000; i++) {
      batch.append(i == 0 ? "" : ",").append(toolCall().replace("\"id\":7", "\"id\":" + i));
    }
    StringBuilder manyKeys = new StringBuilder("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{");
    for (int i = 0; i < 100_000; i++) {
      manyKeys.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
    }
    Map<String, String> bodies = new LinkedHashMap<>();
    bodies.put("nested arrays", "[".repeat(200_000) + "]".repeat(200_000));
    bodies.put("nested in params", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":"
        + "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000) + "}}");
    bodies.put("batch of 1000 calls", batch.append("]").toString());
    bodies.put("empty batch", "[]");
    bodies.put("100k keys", manyKeys.append("}}").toString());
    bodies.put("3 MiB string", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"nope\",\"arguments\":{\"t\":\""
        + "x".repeat(3 << 20) + "\"}}}");
    for (Map.Entry<String, String> body : bodies.entrySet()) {
      RawHttp.Response r = AuthFixture.exchange(noCertificate, server.port(), "POST", "/mcp", headers, body.getValue());
      // Refused (400 malformed, 403 no such tool for this caller, 413 too large), never a 5xx;
      // a ping with 100k params is valid JSON-RPC within the size limit and may be answered.
      assertThat(r.status()).as(body.getKey()).isIn(400, 403, 413, body.getKey().equals("100k keys") ? 200 : 400);
      assertClean(r, "xxxxxxxx");
    }
    assertThat(server.calls).doesNotContainKey("nope");
  }

  @Test
  void truncatedWrongAndMalformedApiKeysAre401AndNeverLogged() throws Exception {
    String k = key.key();
    List<String> bad = List.of(k.substring(0, k.length() - 1), k.substring(0, 20), k + "A",
        k.substring(0, k.length() - 1) + (k.endsWith("A") ? "B" : "A"), "gh_", "gh_" + "0".repeat(16) + "_" + k.substring(20),
        k.toUpperCase(java.util.Locale.ROOT), " " + k + "x");
    for (String presented : bad) {
      RawHttp.Response r = AuthFixture.get(noCertificate, server.port(), "/nothing", Map.of("X-API-Key", presented));
      assertThat(r.status()).as(presented).isEqualTo(401);
      assertClean(r, presented.strip());
    }
    String log = auditContaining(audit, "malformed API key");
    for (String presented : bad) {
      if (presented.strip().length() > 24) {
        assertThat(log).doesNotContain(presented.strip().substring(20));
      }
    }
  }

  @Test
  void apiKeyCompareIsConstantTimeByConstruction() throws Exception {
    // The code path, not a timing: authenticate hashes the presented key and compares with
    // MessageDigest.isEqual (also for unknown ids, against a dummy hash); no early-exit equals.
    Path classes = Path.of(ApiKeyAuthenticator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Process javap = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "javap").toString(),
        "-c", "-p", "-cp", classes.toString(), ApiKeyAuthenticator.class.getName())
        .redirectErrorStream(true).start();
    String code = new String(javap.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(javap.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String authenticate = code.substring(code.indexOf("public io.gatehouse.transport.auth.AuthResult authenticate("));
    authenticate = authenticate.substring(0, authenticate.indexOf("\n\n"));
    assertThat(authenticate).contains("java/security/MessageDigest.isEqual:([B[B)Z")
        .contains("DUMMY_HASH")
        .doesNotContain("java/util/Arrays.equals").doesNotContain("java/lang/String.equals")
        .doesNotContain("java/util/Objects.equals");
    // Unknown id and wrong secret are indistinguishable to the caller and in the reason.
    String k = key.key();
    String unknownId = "gh_" + "0".repeat(16) + k.substring(19);
    String wrongSecret = k.substring(0, k.length() - 1) + (k.endsWith("A") ? "B" : "A");
    RawHttp.Response a = AuthFixture.get(noCertificate, server.port(), "/nothing", Map.of("X-API-Key", unknownId));
    RawHttp.Response b = AuthFixture.get(noCertificate, server.port(), "/nothing", Map.of("X-API-Key", wrongSecret));
    assertThat(a.status()).isEqualTo(b.status()).isEqualTo(401);
    assertThat(a.body()).isEqualTo(b.body());
    assertThat(a.header("WWW-Authenticate")).isEqualTo(b.header("WWW-Authenticate"));
  }

  // --- helpers

  private static RawHttp.Response initialize(Map<String, String> credentials) throws IOException {
    return AuthFixture.exchange(noCertificate, server.port(), "POST", "/mcp", mcpHeaders(credentials), initializeBody());
  }

  private static String initializeBody() {
    return "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
        + "\"2025-03-26\",\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}";
  }

  private static String toolCall() {
    return AuthFixture.toolCall("echo");
  }

  /** No stack trace, no echo of {@code attack}, JSON error body when there is a body. */
  private static void assertClean(RawHttp.Response r, String attack) {
    String all = r.headers() + "\n" + r.body();
    assertThat(all).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain(attack);
    if (r.status() >= 400 && !r.body().isEmpty()) {
      assertThat(r.body()).startsWith("{\"error\":");
    }
  }

  private static byte[] concat(String head, byte[] middle, String tail) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(middle);
    out.writeBytes(tail.getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  /** Sends raw bytes (RawHttp sends text only) and returns the response head and body. */
  private static String rawExchange(byte[] request) throws IOException {
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
      SSLSocket ssl = (SSLSocket) noCertificate.getSocketFactory().createSocket(plain, "localhost", server.port(), true);
      ssl.setSoTimeout(20_000);
      ssl.getOutputStream().write(request);
      ssl.getOutputStream().flush();
      InputStream in = ssl.getInputStream();
      byte[] buffer = new byte[8192];
      int n = in.read(buffer);
      return n < 0 ? "" : new String(buffer, 0, n, StandardCharsets.UTF_8);
    }
  }
}
