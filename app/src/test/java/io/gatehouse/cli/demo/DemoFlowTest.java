package io.gatehouse.cli.demo;

import io.gatehouse.example.server.Rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.cli.CliEnvironment;
import io.gatehouse.cli.GatehouseCli;
import io.gatehouse.ca.db.CertificateStatus;
import io.gatehouse.pki.identity.CertificateIdentity;
import io.gatehouse.pki.tls.PemSslContexts;
import io.gatehouse.example.tools.ExampleTools;
import io.gatehouse.example.tools.ToolDefinition;
import io.gatehouse.example.tools.Whoami;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo's steps 1 to 5, run once in this JVM on free ports against a fresh directory, with
 * each step's outcome asserted from the files, the CA store and the running servers (not from
 * the wording); then, against the same running servers, the RBAC table for every role and tool
 * through the SDK client over TLS, and the README's client commands.
 */
class DemoFlowTest {
  static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path work;
  static Demo demo;
  static Demo.Report report;
  static Path certs;
  static final StringWriter output = new StringWriter();

  @BeforeAll
  static void runDemo() {
    certs = work.resolve("certs");
    demo = new Demo(new Demo.Options(certs, 0, 0, Map.of()), new PrintWriter(output, true));
    report = demo.run();
  }

  @AfterAll
  static void stop() {
    demo.close();
  }

  /** Runs a gatehouse command in-process on the demo's CA; its stdout. */
  static String gatehouse(Map<String, String> extraEnv, String... args) {
    Map<String, String> env = new HashMap<>(extraEnv);
    env.put(CliEnvironment.CA_PASSPHRASE + CliEnvironment.FILE_SUFFIX, demo.passphraseFile().toString());
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = GatehouseCli.newCommandLine(new CliEnvironment(env, null, Clock.systemUTC()));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute(args)).as(String.join(" ", args) + ": " + err).isZero();
    return out.toString();
  }

  @Test
  void everyStepSucceeded() {
    assertThat(report.steps()).extracting(Demo.Step::number).containsExactly(1, 2, 3, 4, 5, 6, 7);
    assertThat(report.steps()).allSatisfy(s -> assertThat(s.ok()).as(s.summary()).isTrue());
    assertThat(output.toString()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void step1CreatedTheCaWithAPrivateGeneratedPassphrase() throws Exception {
    Path passphrase = demo.passphraseFile();
    assertThat(Files.getPosixFilePermissions(passphrase))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    String secret = Files.readString(passphrase).strip();
    assertThat(secret.length()).isGreaterThanOrEqualTo(40);
    try (CertificateAuthority ca = CertificateAuthority.open(certs)) {
      assertThat(ca.config().intermediate()).isTrue();
      ca.unlock(secret.toCharArray());   // throws if the file does not hold the passphrase
    }
  }

  @Test
  void step2IssuedTheServerCertificateTheClientCertificatesAndAToken() throws Exception {
    X509Certificate server = PemFiles.readCertificate(certs.resolve("servers/localhost.crt"));
    assertThat(server.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
        .contains("localhost", "127.0.0.1");
    for (Identity identity : Demo.IDENTITIES) {
      if (identity.certificate()) {
        X509Certificate client = PemFiles.readCertificate(certs.resolve("clients/" + identity.name() + ".crt"));
        CertificateIdentity id = CertificateIdentity.from(client);
        assertThat(id.roles()).containsExactly(identity.role());
        assertThat(id.spiffeId().toString()).endsWith("/client/" + identity.name());
        assertThat(Files.getPosixFilePermissions(certs.resolve("clients/" + identity.name() + ".key")))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      } else {
        Path tokenFile = demo.tokenFile(identity);
        assertThat(Files.getPosixFilePermissions(tokenFile)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(Files.readString(tokenFile).strip().split("\\.")[1]));
        assertThat(claims.path("roles").get(0).asString()).isEqualTo(identity.role());
        assertThat(claims.path("aud").toString()).contains(demo.mcpUrl());
        assertThat(claims.path("exp").asLong()).isGreaterThan(Instant.now().plusSeconds(50 * 60).getEpochSecond());
      }
    }
  }

  @Test
  void step3ServesOcspCrlJwksAndTheMcpServerWithOptionalClientCertificates() throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    for (String path : List.of("/crl", "/jwks.json")) {
      var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(demo.caUrl() + path)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofByteArray());
      assertThat(response.statusCode()).as(path).isEqualTo(200);
    }
    // No certificate: the handshake succeeds (client auth optional) and the request gets 401.
    try {
      McpProbe.connect(baseUrl(), PemSslContexts.fromPem(demo.layout().chain(), null, null), null).close();
      throw new AssertionError("admitted without credentials");
    } catch (McpProbe.ProbeException e) {
      assertThat(e.status()).isEqualTo(401);
    }
  }

  @Test
  void step4EachIdentityAuthenticatedItsWaySawItsToolsAndWasRefusedTheOtherCall() {
    assertThat(report.rows()).hasSize(Demo.IDENTITIES.size());
    for (Demo.Row row : report.rows()) {
      Identity identity = row.identity();
      assertThat(row.authMethod()).isEqualTo(identity.certificate() ? "certificate" : "jwt");
      assertThat(row.principal()).endsWith("/client/" + identity.name());
      assertThat(Set.copyOf(row.tools())).as(identity.name()).isEqualTo(Rbac.visible(identity.role()));
      assertThat(row.allowed().succeeded()).as(identity.name() + " " + row.allowed().call()).isTrue();
      assertThat(row.denied().status()).as(identity.name() + " " + row.denied().call()).isEqualTo(403);
    }
  }

  @Test
  void theExampleServerServesTheSameToolsToAModernClient() throws Exception {
    SSLContext tls = certificateContext("alice");
    List<String> legacy;
    try (McpProbe probe = McpProbe.connect(baseUrl(), tls, null)) {
      legacy = probe.toolNames();
    }
    var transport = io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport
        .builder(demo.mcpUrl()).customizeClient(b -> b.sslContext(tls)).build();
    var client = io.modelcontextprotocol.modern.client.McpClient.sync(transport).build();
    var listed = client.listTools().skipCache().list();
    List<String> modern = listed.tools().stream()
        .map(io.modelcontextprotocol.modern.McpSchema.Tool::name).toList();
    // Same policy, same definitions: the same tools, in a deterministic (sorted) order.
    assertThat(modern).isSorted().containsExactlyInAnyOrderElementsOf(legacy).contains(Whoami.NAME);
    assertThat(listed.cacheScope()).isEqualTo(io.modelcontextprotocol.modern.McpSchema.CacheScope.PRIVATE);
    var who = client.tool(Whoami.NAME).call();
    assertThat(((io.modelcontextprotocol.modern.McpSchema.TextContent) who.content().get(0)).text())
        .contains("spiffe://").contains("alice");
  }

  @Test
  void step4ShowsAliceThroughTheModernClientWithTheSameTools() {
    Demo.ModernCall modern = report.modern();
    assertThat(modern.tools()).isNotEmpty().containsExactlyInAnyOrderElementsOf(modern.legacyTools())
        .contains(Whoami.NAME);
    assertThat(modern.whoami()).contains("spiffe://gatehouse.local/client/alice");
    assertThat(output.toString()).contains("alice via MCP 2026-07-28");
  }

  @Test
  void step6EnrolledTheAgentOverEstAndRenewedItOverMutualTls() throws Exception {
    Demo.Enrollment enrollment = report.enrollment();
    assertThat(enrollment.principalEnrolled()).isEqualTo("spiffe://gatehouse.local/client/" + Demo.AGENT);
    assertThat(enrollment.principalRenewed()).isEqualTo(enrollment.principalEnrolled());
    assertThat(enrollment.renewedSerial()).isNotEqualTo(enrollment.enrolledSerial());
    X509Certificate current = PemFiles.readCertificate(demo.agentDir().resolve("clients/" + Demo.AGENT + ".crt"));
    assertThat(current.getSerialNumber().toString(16)).isEqualTo(enrollment.renewedSerial());
    assertThat(CertificateIdentity.from(current).roles()).containsExactly(Demo.AGENT_ROLE);
    try (CertificateAuthority ca = CertificateAuthority.open(certs)) {   // both recorded, both valid
      for (String serial : List.of(enrollment.enrolledSerial(), enrollment.renewedSerial())) {
        assertThat(ca.store().find(new java.math.BigInteger(serial, 16)).orElseThrow().status(Instant.now()))
            .isEqualTo(CertificateStatus.VALID);
      }
    }
    // The agent's directory holds no CA key: it only pinned the root.
    assertThat(demo.agentDir().resolve("ca/root.key")).doesNotExist();
  }

  @Test
  void step7IssuedACertificateBoundTokenThatIsRefusedWithoutTheCertificate() throws Exception {
    Demo.BoundToken token = report.boundToken();
    assertThat(token.audience()).containsExactly(demo.mcpUrl());
    assertThat(token.boundToCertificate()).isTrue();
    assertThat(token.status()).isEqualTo(401);
    assertThat(token.challenge()).contains("invalid_token");
    // Refused for the binding, not for anything else (same issuer, audience and signing key).
    assertThat(token.reason()).contains("certificate-bound token sent without a certificate");
  }

  @Test
  void step5RevokedCarolInTheStoreAndTheServerRefusedHerThroughOcsp() throws Exception {
    Demo.Revocation revocation = report.revocation();
    assertThat(revocation.status()).isEqualTo(401);
    assertThat(revocation.reason()).contains("revoked");
    X509Certificate carol = PemFiles.readCertificate(certs.resolve("clients/carol.crt"));
    try (CertificateAuthority ca = CertificateAuthority.open(certs)) {
      assertThat(ca.store().find(carol.getSerialNumber()).orElseThrow().status(Instant.now()))
          .isEqualTo(CertificateStatus.REVOKED);
    }
    // Still refused on a fresh connection; alice, same CA and responder, is not.
    assertThat(statusOfConnecting("carol")).isEqualTo(401);
    assertThat(statusOfConnecting("alice")).isEqualTo(200);
  }

  static int statusOfConnecting(String name) throws Exception {
    try {
      McpProbe.connect(baseUrl(), certificateContext(name), null).close();
      return 200;
    } catch (McpProbe.ProbeException e) {
      return e.status();
    }
  }

  static SSLContext certificateContext(String name) throws Exception {
    return PemSslContexts.fromPem(demo.layout().chain(), certs.resolve("clients/" + name + ".crt"),
        certs.resolve("clients/" + name + ".key"));
  }

  static String baseUrl() {
    return demo.mcpUrl().substring(0, demo.mcpUrl().length() - "/mcp".length());
  }

  /** Arguments that make each tool do real work. */
  static final Map<String, Map<String, Object>> ARGUMENTS = Map.ofEntries(
      Map.entry("hr.get_employee", Map.of("employee_id", "E-1001")),
      Map.entry("hr.list_employees", Map.of()),
      Map.entry("hr.list_leave_requests", Map.of("status", "pending")),
      Map.entry("hr.approve_leave", Map.of("request_id", "L-203", "decision", "reject")),
      Map.entry("projects.list_projects", Map.of()),
      Map.entry("projects.list_tasks", Map.of("project_id", "P-10")),
      Map.entry("projects.create_task", Map.of("project_id", "P-11", "title", "Book movers")),
      Map.entry("projects.update_task_status", Map.of("task_id", "T-102", "status", "in_progress")),
      Map.entry("crm.get_customer", Map.of("customer_id", "C-501")),
      Map.entry("crm.search_customers", Map.of("query", "health")),
      Map.entry("crm.list_opportunities", Map.of()),
      Map.entry("crm.update_opportunity", Map.of("opportunity_id", "O-902", "stage", "proposal")));

  @Test
  void rbacTableForEveryRoleAndEveryToolThroughTheSdkClientOverTls() throws Exception {
    assertThat(ARGUMENTS.keySet()).containsExactlyInAnyOrderElementsOf(
        new ExampleTools().definitions().stream().map(ToolDefinition::name).toList());
    for (String role : Rbac.TABLE.keySet()) {
      String name = "rbac-" + role;
      gatehouse(Map.of(), "ca", "issue", "client", "--dir", certs.toString(), "--name", name, "--role", role);
      try (McpProbe probe = McpProbe.connect(baseUrl(), certificateContext(name), null)) {
        assertThat(Set.copyOf(probe.toolNames())).as(role + " tools/list").isEqualTo(Rbac.visible(role));
        Map<?, ?> who = (Map<?, ?>) probe.call(Whoami.NAME, Map.of()).structuredContent();
        assertThat(who.get("roles")).isEqualTo(List.of(role));
        for (ToolDefinition tool : new ExampleTools().definitions()) {
          int status;
          boolean toolError = false;
          try {
            McpSchema.CallToolResult result = probe.call(tool.name(), ARGUMENTS.get(tool.name()));
            status = 200;
            toolError = Boolean.TRUE.equals(result.isError());
          } catch (McpProbe.ProbeException e) {
            status = e.status();
          }
          boolean allowed = Rbac.allowed(role, tool);
          assertThat(status).as("%s calling %s", role, tool.name()).isEqualTo(allowed ? 200 : 403);
          if (allowed && !tool.name().equals("hr.approve_leave")) {   // L-203 can be decided once
            assertThat(toolError).as("%s calling %s", role, tool.name()).isFalse();
          }
        }
        assertThat(probe.get("/metrics")).as(role + " /metrics")
            .isEqualTo(Rbac.METRICS_ROLES.contains(role) ? 200 : 403);
      }
    }
  }

  @Test
  void editingTheRunningDemosPolicyTakesEffectWithoutARestart() throws Exception {
    gatehouse(Map.of(), "ca", "issue", "client", "--dir", certs.toString(), "--name", "contractor-1",
        "--role", "contractor");
    try (McpProbe before = McpProbe.connect(baseUrl(), certificateContext("contractor-1"), null)) {
      assertThat(before.toolNames()).isEmpty();   // a role the policy does not declare grants nothing
    }
    // Adds a role only this test uses, so the other tests see the same policy either way.
    String policy = Files.readString(demo.policyFile());
    Files.writeString(demo.policyFile(), policy.replace("roles:\n",
        "roles:\n  contractor:\n    tools: [\"projects.list_projects\"]\n"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    List<String> tools = List.of();
    while (tools.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      try (McpProbe after = McpProbe.connect(baseUrl(), certificateContext("contractor-1"), null)) {
        tools = after.toolNames();
        if (!tools.isEmpty()) {
          assertThat(McpProbe.text(after.call("projects.list_projects", Map.of()))).contains("P-10");
        }
      }
    }
    assertThat(tools).containsExactly("projects.list_projects");
  }

  @Test
  void writesRecordTheCallersPrincipalAndAreVisibleToLaterReads() throws Exception {
    try (McpProbe bob = McpProbe.connect(baseUrl(), certificateContext("bob"), null)) {
      Map<?, ?> task = (Map<?, ?>) bob.call("projects.create_task",
          Map.of("project_id", "P-10", "title", "Rotate the OCSP signer")).structuredContent();
      assertThat(task.get("createdBy")).isEqualTo("spiffe://gatehouse.local/client/bob");
      try (McpProbe alice = McpProbe.connect(baseUrl(), certificateContext("alice"), null)) {
        assertThat(McpProbe.text(alice.call("projects.list_tasks", Map.of("project_id", "P-10"))))
            .contains("Rotate the OCSP signer");
      }
    }
  }

  @Test
  void adminScrapesPrometheusMetricsCoveringAuthOcspTlsToolsAndSessions() throws Exception {
    gatehouse(Map.of(), "ca", "issue", "client", "--dir", certs.toString(), "--name", "ops", "--role", "admin");
    // A failed handshake to count: plain HTTP to the TLS port.
    try (var socket = new java.net.Socket("127.0.0.1", java.net.URI.create(baseUrl()).getPort())) {
      socket.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      socket.getInputStream().readAllBytes();   // the server closes the connection
    }
    var http = java.net.http.HttpClient.newBuilder().sslContext(certificateContext("ops")).build();
    var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl() + "/metrics")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    assertThat(response.body())
        .contains("gatehouse_auth_decisions_total{")
        .contains("method=\"certificate\"")
        .contains("gatehouse_ocsp_cache_total{")
        .contains("gatehouse_ocsp_responder_seconds")
        .contains("gatehouse_tool_calls_seconds_bucket{")
        .contains("outcome=\"ok\",tool=\"crm.update_opportunity\"")
        .contains("outcome=\"forbidden\",tool=\"crm.get_customer\"")
        .contains("gatehouse_mcp_sessions")
        .contains("gatehouse_mcp_sse_streams")
        .contains("gatehouse_tls_handshake_failures_total{")
        .contains("jvm_memory_used_bytes")
        .contains("process_uptime_seconds");
  }

  @Test
  void readmeCurlCommandsWorkAgainstTheRunningDemo() throws Exception {
    String script = Readme.block("### curl", "bash")
        .replace("https://localhost:8443", baseUrl());
    Process bash = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script)
        .directory(work.toFile()).redirectErrorStream(true).start();
    String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(bash.exitValue()).as(out).isZero();
    assertThat(out).contains("event: message")
        .contains("spiffe://gatehouse.local/client/alice")
        .contains("certificate");
  }

  @Test
  void readmeJavaClientWithAPkcs12BundleWorks() throws Exception {
    Map<String, String> p12 = Map.of(CliEnvironment.P12_PASSWORD, "readme-p12-password");
    gatehouse(p12, "ca", "issue", "client", "--dir", certs.toString(), "--name", "dave", "--role", "officer", "--p12");

    // The README's snippet, with the paths under this test's directory.
    char[] password = p12.get(CliEnvironment.P12_PASSWORD).toCharArray();
    KeyStore identity = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(certs.resolve("clients/dave.p12"))) {
      identity.load(in, password);
    }
    KeyManagerFactory keys = KeyManagerFactory.getInstance("PKIX");
    keys.init(identity, password);

    KeyStore anchors = KeyStore.getInstance("PKCS12");
    anchors.load(null, null);
    try (InputStream in = Files.newInputStream(certs.resolve("ca/chain.pem"))) {
      int i = 0;
      for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        anchors.setCertificateEntry("ca-" + i++, ca);
      }
    }
    TrustManagerFactory trust = TrustManagerFactory.getInstance("PKIX");
    trust.init(anchors);

    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(keys.getKeyManagers(), trust.getTrustManagers(), null);

    var transport = HttpClientStreamableHttpTransport.builder(baseUrl())
        .endpoint("/mcp")
        .customizeClient(http -> http.sslContext(tls))
        .build();
    try (McpSyncClient client = McpClient.sync(transport).build()) {
      client.initialize();
      assertThat(client.listTools().tools()).extracting(McpSchema.Tool::name)
          .containsExactlyInAnyOrderElementsOf(Rbac.visible("officer"));
      String who = McpProbe.text(client.callTool(McpSchema.CallToolRequest.builder("whoami").build()));
      assertThat(who).contains("spiffe://gatehouse.local/client/dave").contains("officer");
    }
  }
}
