package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import io.gatehouse.transport.auth.jwt.JwtConfig;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;

/** Shared setup of the auth pipeline tests: configs, policy, SDK and raw clients. */
final class AuthFixture {
  /** The resource URL the test servers announce (and JWT audiences must name). */
  static final String RESOURCE = "https://localhost:8443/mcp";
  static final String METADATA_URL = "https://localhost:8443/.well-known/oauth-protected-resource";

  /** Roles over the TestServer tools; {@code limited} has a small request budget. */
  static final String POLICY = """
      roles:
        admin:
          includes: [manager, metrics]
          tools: ["*"]
        manager:
          includes: [viewer]
          tools: ["add", "progress"]
          prompts: ["*"]
          resource_uris: ["doc://*"]
        viewer:
          tools: ["echo", "whoami"]
          prompts: ["greeting"]
          resource_uris: ["doc://public/*"]
        metrics:
          resources: [metrics]
        limited:
          tools: ["echo", "whoami"]
        auditor:
          tools: ["echo"]
      rate_limits:
        roles: {limited: 5}
        tools: {"progress": 2}
      """;

  private AuthFixture() {}

  static Path writePolicy(Path dir) throws IOException {
    return Files.writeString(dir.resolve("policy.yaml"), POLICY);
  }

  /** A TLS config on an ephemeral port with {@code ca}'s server certificate, trusting its chain. */
  static TransportConfig config(RealCa ca, AuthConfig auth) {
    return TransportConfig.defaults().withAddress("127.0.0.1", 0)
        .withTls(TransportConfig.Tls.of(ca.serverCertificate(), ca.serverKey()).withClientAuth(
                TransportConfig.ClientAuthMode.NONE, ca.chainPem()))
        .withAuth(auth.withResource(URI.create(RESOURCE)));
  }

  /** Lockout that the tests' own refusals will not trigger (they all come from 127.0.0.1). */
  /**
   * Every method on (certificate, JWT with the CA's public keys file, API keys from {@code keys}), the test
   * policy written into {@code dir}, a lenient lockout and the audit log at {@code audit}.
   */
  static AuthConfig allMethods(Path dir, RealCa ca, ApiKeyStore keys, Path audit) throws IOException {
    return AuthConfig.defaults()
        .withPolicy(writePolicy(dir))
        .withMethods(CertificateConfig.defaults(),
            // The CA's public keys from its local file: JWKS only over https (docs/security.md).
            JwtConfig.withKeyFile(ca.tokenIssuer(), ca.jwksFile()),
            new ApiKeyConfig(true, keys.file()))
        .withLockout(lenientLockout())
        .withAudit(AuthConfig.Audit.toFile(audit));
  }

  static AuthConfig.Lockout lenientLockout() {
    return new AuthConfig.Lockout(1000, null, null, null);
  }

  /** The SDK client over TLS with {@code tls}, sending {@code headers} on every request. */
  static McpSyncClient client(int port, SSLContext tls, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder();
    headers.forEach(request::header);
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
        .builder("https://localhost:" + port)
        .endpoint("/mcp")
        .customizeClient(b -> b.sslContext(tls))
        .requestBuilder(request)
        .connectTimeout(Duration.ofSeconds(10))
        .build();
    return McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
  }

  static McpSyncClient client(int port, SSLContext tls) {
    return client(port, tls, Map.of());
  }

  static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().get(0)).text();
  }

  static String call(McpSyncClient client, String tool) {
    return text(client.callTool(McpSchema.CallToolRequest.builder(tool)
        .arguments(Map.of("text", "hi", "a", 1, "b", 2)).build()));
  }

  static List<String> toolNames(McpSyncClient client) {
    return client.listTools().tools().stream().map(McpSchema.Tool::name).sorted().toList();
  }

  /** One request on a new connection. */
  static RawHttp.Response exchange(SSLContext tls, int port, String method, String path,
      Map<String, String> headers, String body) throws IOException {
    try (RawHttp raw = RawHttp.connect(tls, port)) {
      return raw.exchange(RawHttp.request(method, path, headers, body));
    }
  }

  /** GET {@code path} on a new connection. */
  static RawHttp.Response get(SSLContext tls, int port, String path, Map<String, String> headers)
      throws IOException {
    return exchange(tls, port, "GET", path, headers, null);
  }

  /** Headers of a JSON-RPC POST to /mcp, plus {@code extra}. */
  static Map<String, String> mcpHeaders(Map<String, String> extra) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", "application/json, text/event-stream");
    headers.put("Content-Type", "application/json");
    headers.putAll(extra);
    return headers;
  }

  static String toolCall(String tool) {
    return "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\""
        + tool + "\",\"arguments\":{}}}";
  }

  /**
   * Asserts that the SDK client surfaced an HTTP {@code status} answer: the transport raises an
   * authorization exception carrying the response for 401 and 403.
   */
  static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, int status) {
    org.assertj.core.api.Assertions.assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            io.modelcontextprotocol.client.transport.McpHttpClientTransportAuthorizationException.class,
            e -> org.assertj.core.api.Assertions.assertThat(e.getResponseInfo().statusCode())
                .isEqualTo(status));
  }

  /** Waits up to {@code timeout} for {@code condition}; true if it became true. */
  static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return condition.getAsBoolean();
  }

  /**
   * The audit file's text followed by its aggregated refusals file's, waiting until it contains
   * {@code expected} (events are async; refusals are written once their second has passed).
   */
  static String auditContaining(Path file, String expected) throws InterruptedException {
    eventually(Duration.ofSeconds(5), () -> read(file).contains(expected));
    return read(file);
  }

  static String read(Path file) {
    return readOne(file) + readOne(io.gatehouse.transport.auth.audit.AuditLog.refusalsFile(file));
  }

  private static String readOne(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
