package io.gatehouse.cli.connect;

import io.gatehouse.cli.CliChild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.est.EstClient;
import io.gatehouse.ca.est.EstService;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.cli.CliEnvironment;
import io.gatehouse.cli.GatehouseCli;
import io.gatehouse.cli.demo.Demo;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code gatehouse connect} in a child JVM against the demo's real CA (OCSP) and example server
 * over real mutual TLS, driven by clients we did not write (the MCP Java SDK's and TypeScript
 * SDK's stdio client transports) and by raw JSON-RPC lines that check stdout line by line.
 */
class ConnectBridgeTest {
  /** How often a policy touch is repeated while waiting for list_changed: past the watcher's poll and debounce. */
  static final Duration POKE_EVERY = io.gatehouse.transport.watch.FileWatcher.POLL_INTERVAL
      .plus(io.gatehouse.transport.watch.FileWatcher.DEBOUNCE);
  @TempDir static Path work;
  static Demo demo;
  static Path certs;

  @BeforeAll
  static void startCaAndServer() {
    certs = work.resolve("certs");
    StringWriter output = new StringWriter();
    demo = new Demo(new Demo.Options(certs, 0, 0, Map.of()), new PrintWriter(output, true));
    // Steps 1 to 3: the CA, the certificates, the CA service (OCSP) and the example server.
    assertThat(demo.run().steps()).filteredOn(s -> s.number() <= 3).hasSize(3)
        .as(output.toString()).allMatch(Demo.Step::ok);
  }

  @AfterAll
  static void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  static List<String> argsFor(String name) {
    return List.of("--url", demo.mcpUrl(), "--cert", certs.resolve("clients/" + name + ".crt").toString(),
        "--key", certs.resolve("clients/" + name + ".key").toString(), "--ca", demo.layout().chain().toString());
  }

  static String gatehouse(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = GatehouseCli.newCommandLine(new CliEnvironment(
        Map.of(CliEnvironment.CA_PASSPHRASE + CliEnvironment.FILE_SUFFIX, demo.passphraseFile().toString()),
        null, Clock.systemUTC()));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    assertThat(cli.execute(args)).as(String.join(" ", args) + ": " + err).isZero();
    return out.toString();
  }

  @Test
  void javaSdkStdioClientListsToolsCallsWhoamiAsTheCertificateAndGetsAReadableRefusal() {
    List<String> command = BridgeProcess.command(argsFor("bob"));
    ServerParameters parameters = ServerParameters.builder(command.get(0))
        .args(command.subList(1, command.size()).toArray(String[]::new)).build();
    StdioClientTransport transport = new StdioClientTransport(parameters, McpJsonDefaults.getMapper());
    StringBuffer stderr = new StringBuffer();
    transport.setStdErrorHandler(line -> stderr.append(line).append('\n'));
    try (McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30))
        .initializationTimeout(Duration.ofSeconds(60)).build()) {
      try {
        client.initialize();
      } catch (RuntimeException e) {
        throw new AssertionError("bridge stderr:\n" + stderr, e);
      }
      List<String> tools = client.listTools().tools().stream().map(McpSchema.Tool::name).toList();
      assertThat(tools).contains("whoami", "projects.create_task").doesNotContain("crm.get_customer");

      McpSchema.CallToolResult who = client.callTool(new McpSchema.CallToolRequest("whoami", Map.of()));
      Map<?, ?> identity = (Map<?, ?>) who.structuredContent();
      assertThat(String.valueOf(identity.get("principal"))).endsWith("/client/bob");
      assertThat(identity.get("auth_method")).isEqualTo("certificate");

      assertThatThrownBy(() -> client.callTool(
          new McpSchema.CallToolRequest("crm.get_customer", Map.of("customer_id", "C-500"))))
          .hasMessageContaining("tool 'crm.get_customer' is not permitted");
    }
    assertThat(stderr.toString()).doesNotContain("PRIVATE KEY");
  }

  @Test
  void rawHostSeesOnlyJsonRpcOnStdoutAndReadableErrors() throws Exception {
    try (BridgeProcess bridge = new BridgeProcess(argsFor("bob"))) {
      JsonNode init = bridge.initialize();
      assertThat(init.path("result").path("protocolVersion").asString("")).startsWith("2025-");
      assertThat(bridge.request(2, "tools/list", "{}").path("result").path("tools").size()).isPositive();

      JsonNode who = bridge.request(3, "tools/call", "{\"name\":\"whoami\",\"arguments\":{}}");
      assertThat(who.path("result").path("structuredContent").path("principal").asString("")).endsWith("/client/bob");

      JsonNode forbidden = bridge.request(4, "tools/call",
          "{\"name\":\"crm.get_customer\",\"arguments\":{\"customer_id\":\"C-500\"}}");
      assertThat(forbidden.path("error").path("code").asInt()).isEqualTo(Bridge.FORBIDDEN);
      assertThat(forbidden.path("error").path("message").asString(""))
          .isEqualTo("tool 'crm.get_customer' is not permitted for this certificate's roles");
      assertThat(forbidden.path("error").path("data").path("httpStatus").asInt()).isEqualTo(403);

      bridge.send("this is not json");
      JsonNode parse = bridge.awaitId(-1, Duration.ofSeconds(10));
      assertThat(parse.path("error").path("code").asInt()).isEqualTo(Bridge.PARSE_ERROR);

      // Still relaying after the errors.
      assertThat(bridge.request(5, "ping", "{}").has("result")).isTrue();
      bridge.close();
      assertThat(bridge.process.exitValue()).isZero();
      bridge.assertOnlyJsonRpc();
      assertThat(bridge.stderr.toString()).doesNotContain("PRIVATE KEY");
    }
  }

  @Test
  void revokingTheCertificateWhileConnectedGivesAClearErrorAndTheBridgeKeepsRunning() throws Exception {
    gatehouse("ca", "issue", "client", "--dir", certs.toString(), "--name", "dave", "--role", "assistant-manager",
        "--force");
    try (BridgeProcess bridge = new BridgeProcess(argsFor("dave"))) {
      bridge.initialize();
      assertThat(bridge.request(2, "tools/call", "{\"name\":\"whoami\",\"arguments\":{}}").has("result")).isTrue();

      String serial = PemFiles.readCertificate(certs.resolve("clients/dave.crt")).getSerialNumber().toString(16);
      gatehouse("ca", "revoke", "--dir", certs.toString(), "--serial", serial, "--reason", "keyCompromise");

      JsonNode refused = null;
      long deadline = System.nanoTime() + Demo.OCSP_CACHE_TTL.plusSeconds(15).toNanos();
      for (int id = 10; System.nanoTime() < deadline; id++) {
        JsonNode answer = bridge.request(id, "tools/call", "{\"name\":\"whoami\",\"arguments\":{}}");
        if (answer.has("error")) {
          refused = answer;
          break;
        }
        Thread.sleep(250);
      }
      assertThat(refused).as("refused after revocation").isNotNull();
      assertThat(refused.path("error").path("code").asInt()).as(refused + "\n" + bridge.stderr)
          .isEqualTo(Bridge.UNAUTHORIZED);
      assertThat(refused.path("error").path("message").asString(""))
          .contains("refused this client's certificate").contains("revoked");

      // The bridge keeps running and answers the next request (with the same clear error).
      JsonNode next = bridge.request(100, "tools/list", "{}");
      assertThat(next.path("error").path("code").asInt()).isEqualTo(Bridge.UNAUTHORIZED);
      assertThat(bridge.process.isAlive()).isTrue();
      bridge.close();
      bridge.assertOnlyJsonRpc();
    }
  }

  @Test
  void aPolicyReloadReachesTheHostAsToolsListChangedThroughTheListeningStream() throws Exception {
    try (BridgeProcess bridge = new BridgeProcess(argsFor("bob"))) {
      bridge.initialize();
      assertThat(bridge.request(2, "tools/list", "{}").has("result")).isTrue();
      // Same rules, new content: the server reloads the file and notifies listening clients. The
      // bridge opens its GET stream after notifications/initialized: touched until it is heard.
      JsonNode changed = bridge.awaitMethodPoking("notifications/tools/list_changed", Duration.ofSeconds(20),
          POKE_EVERY, () -> Files.writeString(demo.policyFile(), "\n# touched by ConnectBridgeTest\n",
              java.nio.file.StandardOpenOption.APPEND));
      assertThat(changed.has("id")).isFalse();
      assertThat(bridge.request(3, "tools/list", "{}").has("result")).isTrue();
      bridge.close();
      bridge.assertOnlyJsonRpc();
    }
  }

  @Test
  void unreachableServerIsAJsonRpcErrorNamingIt() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    List<String> args = new ArrayList<>(argsFor("bob"));
    args.set(1, "https://127.0.0.1:" + closedPort + "/mcp");
    try (BridgeProcess bridge = new BridgeProcess(args)) {
      JsonNode init = bridge.initialize();
      assertThat(init.path("error").path("code").asInt()).isEqualTo(Bridge.UNREACHABLE);
      assertThat(init.path("error").path("message").asString(""))
          .contains("unreachable").contains("127.0.0.1:" + closedPort);
      bridge.close();
      bridge.assertOnlyJsonRpc();
    }
  }

  @Test
  void keyFileReadableByOthersRefusesToStartWithTheReason() throws Exception {
    Path key = work.resolve("loose.key");
    Files.copy(certs.resolve("clients/bob.key"), key);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    List<String> args = new ArrayList<>(argsFor("bob"));
    args.set(5, key.toString());
    Process process = new ProcessBuilder(BridgeProcess.command(args)).start();
    process.getOutputStream().close();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).isEqualTo(1);
    assertThat(stdout).isEmpty();
    assertThat(stderr).contains("refusing to start: the key file " + key)
        .contains("mode 0644").contains("must be 0600");
  }

  /** Pinned so the test does not change under us; newer 1.x releases speak the same stdio framing. */
  static final String TS_SDK = "@modelcontextprotocol/sdk@1.32.2";

  @Test
  void typescriptSdkStdioClientListsToolsCallsWhoamiAndGetsTheForbiddenError() throws Exception {
    JsonNode report = typescriptSdkClient(argsFor("bob"));
    List<String> tools = new ArrayList<>();
    report.path("tools").forEach(t -> tools.add(t.asString()));
    assertThat(tools).contains("whoami", "projects.create_task").doesNotContain("crm.get_customer");
    assertThat(report.path("whoami").path("principal").asString("")).endsWith("/client/bob");
    assertThat(report.path("whoami").path("auth_method").asString("")).isEqualTo("certificate");
    assertThat(report.path("forbidden").path("code").asInt()).isEqualTo(Bridge.FORBIDDEN);
    assertThat(report.path("forbidden").path("message").asString(""))
        .contains("tool 'crm.get_customer' is not permitted");
  }

  /**
   * Runs {@code ts-sdk-client.mjs} (the MCP TypeScript SDK's stdio client) against the bridge
   * started with {@code bridgeArgs}; its report (tools, whoami, the forbidden error, resources and
   * prompts when offered), or a failure with what the client saw.
   */
  static JsonNode typescriptSdkClient(List<String> bridgeArgs) throws Exception {
    Path prefix = Path.of("target", "node-mcp").toAbsolutePath();
    requireNpm();
    if (!Files.isDirectory(prefix.resolve("node_modules/@modelcontextprotocol/sdk"))) {
      Files.createDirectories(prefix);
      Process install = new ProcessBuilder("npm", "install", "--prefix", prefix.toString(), TS_SDK,
          "--no-audit", "--no-fund", "--loglevel=error").redirectErrorStream(true).start();
      String log = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(install.waitFor(5, TimeUnit.MINUTES) && install.exitValue() == 0).as("npm install: " + log).isTrue();
    }
    Path script = prefix.resolve("ts-sdk-client.mjs");
    try (var in = ConnectBridgeTest.class.getResourceAsStream("/connect/ts-sdk-client.mjs")) {
      Files.copy(in, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    ProcessBuilder node = new ProcessBuilder("node", script.toString());
    node.environment().put("GATEHOUSE_CONNECT_COMMAND",
        BridgeProcess.JSON.writeValueAsString(BridgeProcess.command(bridgeArgs)));
    node.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process process = node.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
    JsonNode report = BridgeProcess.JSON.readTree(output);
    assertThat(report.has("failure")).as(output).isFalse();
    return report;
  }

  /** npm and node, or a loud skip (a failure when CI=true). */
  static void requireNpm() {
    String missing = null;
    for (String tool : List.of("npm", "node")) {
      try {
        Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
          missing = tool;
        }
      } catch (Exception e) {
        missing = tool;
      }
    }
    if (missing != null) {
      String message = "\n!!!!!!!! " + missing + " IS NOT AVAILABLE: THE MCP TYPESCRIPT SDK TEST OF gatehouse connect"
          + " DID NOT RUN !!!!!!!!\n";
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(message);
      }
      System.err.println(message);
      Assumptions.abort(message);
    }
  }

  /**
   * Two EST renewals during one host session, the bridge in this process with piped stdio: every
   * call succeeds, and each call after a renewal is authenticated by the new certificate (its
   * serial), so new connections present it while the host's session goes on.
   */
  @Test
  void twoRenewalsDuringASessionKeepEveryCallWorkingWithTheNewCertificate() throws Exception {
    char[] passphrase = Files.readString(demo.passphraseFile()).strip().toCharArray();
    Path agent = work.resolve("agent");
    try (CertificateAuthority ca = CertificateAuthority.open(certs)) {
      JwtSigningKey jwt = JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase);
      try (CaService est = CaService.start(ca, ca.unlock(passphrase), jwt,
          new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
              new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"), EstService.Limits.defaults())),
          Clock.systemUTC())) {
        String estUrl = "https://localhost:" + est.httpsPort();
        gatehouse("ca", "provisioner", "add", "--dir", certs.toString(), "--name", "agents",
            "--role", "assistant-manager", "--name-pattern", "agent-*");
        String token = gatehouse("ca", "enroll-token", "--dir", certs.toString(), "--provisioner", "agents",
            "--name", "agent-1").strip();
        gatehouse("bootstrap", "--ca", estUrl, "--fingerprint", EstClient.fingerprint(PemFiles.readCertificate(ca.layout().rootCertificate())),
            "--dir", agent.toString());
        gatehouse("enroll", "--ca", estUrl, "--token", token, "--dir", agent.toString());
        Path cert = agent.resolve("clients/agent-1.crt");
        Path key = agent.resolve("clients/agent-1.key");
        Path chain = demo.layout().chain();

        AtomicReference<X509Certificate> current = new AtomicReference<>(PemFiles.readCertificate(cert));
        PipedOutputStream hostWrites = new PipedOutputStream();
        PipedInputStream bridgeReads = new PipedInputStream(hostWrites, 1 << 16);
        PipedInputStream hostReads = new PipedInputStream(1 << 20);
        PrintStream bridgeWrites = new PrintStream(new PipedOutputStream(hostReads), true, StandardCharsets.UTF_8);
        Bridge bridge = new Bridge(java.net.URI.create(demo.mcpUrl()), BridgeTls.context(cert, key, chain),
            current::get, bridgeWrites);
        CertificateRenewal renewal = new CertificateRenewal(estUrl, CertificateRenewal.root(chain), cert, key,
            fresh -> {
              try {
                bridge.useTls(BridgeTls.context(cert, key, chain));
                current.set(fresh);
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            });
        Thread relay = new Thread(() -> {
          try {
            bridge.run(bridgeReads);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
        relay.setDaemon(true);
        relay.start();
        BufferedReader host = new BufferedReader(new InputStreamReader(hostReads, StandardCharsets.UTF_8));
        PrintStream toBridge = new PrintStream(hostWrites, true, StandardCharsets.UTF_8);

        toBridge.println("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":"
            + "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
        assertThat(answer(host, 1).has("result")).isTrue();
        toBridge.println("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

        List<String> serials = new ArrayList<>();
        int id = 10;
        for (int round = 0; round < 3; round++) {
          if (round > 0) {
            X509Certificate before = current.get();
            X509Certificate renewed = renewal.renewOnce();
            assertThat(renewed.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
            assertThat(PemFiles.readCertificate(cert)).isEqualTo(renewed);
          }
          for (int call = 0; call < 3; call++) {
            toBridge.println("{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":"
                + "{\"name\":\"whoami\",\"arguments\":{}}}");
            JsonNode who = answer(host, id++);
            assertThat(who.has("result")).as(who.toString()).isTrue();
            JsonNode content = who.path("result").path("structuredContent");
            assertThat(content.path("principal").asString("")).endsWith("/client/agent-1");
            assertThat(content.path("credential_id").asString("")).isEqualToIgnoringCase(
                current.get().getSerialNumber().toString(16));
          }
          serials.add(current.get().getSerialNumber().toString(16));
        }
        assertThat(serials).doesNotHaveDuplicates().hasSize(3);
        toBridge.close();
        relay.join(10_000);
      }
    }
  }

  /** The next line with {@code id}, skipping server notifications. */
  static JsonNode answer(BufferedReader host, int id) throws Exception {
    while (true) {
      String line = host.readLine();
      assertThat(line).as("bridge ended before answering " + id).isNotNull();
      JsonNode frame = BridgeProcess.JSON.readTree(line);
      if (frame.path("id").asInt(-1) == id) {
        return frame;
      }
    }
  }

  /**
   * Against a scripted HTTPS peer (JDK HttpsServer, the demo's server certificate, real TLS): a
   * 429 reaches the host with its retry time, and a 404 for the session (server restarted)
   * re-initializes once with the host's own initialize params and retries, invisibly to the host.
   */
  @Test
  void rateLimitCarriesTheRetryTimeAndALostSessionIsReinitializedWithTheHostsParams() throws Exception {
    List<JsonNode> initializes = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger sessions = new java.util.concurrent.atomic.AtomicInteger();
    com.sun.net.httpserver.HttpsServer peer = com.sun.net.httpserver.HttpsServer.create(
        new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    peer.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(
        BridgeTls.context(certs.resolve("servers/localhost.crt"), certs.resolve("servers/localhost.key"),
            demo.layout().chain())));
    peer.createContext("/mcp", exchange -> {
      String session = exchange.getRequestHeaders().getFirst("Mcp-Session-Id");
      if (!"POST".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        exchange.close();
        return;
      }
      JsonNode message = BridgeProcess.JSON.readTree(exchange.getRequestBody().readAllBytes());
      String method = message.path("method").asString("");
      byte[] body;
      String type = "application/json";
      int status = 200;
      if (method.equals("initialize")) {
        initializes.add(message);
        exchange.getResponseHeaders().add("Mcp-Session-Id", "s-" + sessions.incrementAndGet());
        body = ("{\"jsonrpc\":\"2.0\",\"id\":" + message.get("id") + ",\"result\":{\"protocolVersion\":\"2025-06-18\","
            + "\"capabilities\":{},\"serverInfo\":{\"name\":\"scripted\",\"version\":\"1\"}}}").getBytes(StandardCharsets.UTF_8);
      } else if (message.has("method") && !message.has("id")) {
        exchange.sendResponseHeaders(202, -1);
        exchange.close();
        return;
      } else if ("limited".equals(message.path("params").path("name").asString(""))) {
        status = 429;
        exchange.getResponseHeaders().add("Retry-After", "7");
        body = "{\"error\":\"rate_limited\",\"error_description\":\"too many calls\"}".getBytes(StandardCharsets.UTF_8);
      } else if ("s-1".equals(session)) {
        status = 404;   // as after a server restart: the session is unknown
        body = new byte[0];
      } else {
        type = "text/event-stream";
        body = ("event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":" + message.get("id")
            + ",\"result\":{\"session\":\"" + session + "\",\"version\":\""
            + exchange.getRequestHeaders().getFirst("MCP-Protocol-Version") + "\"}}\n\n").getBytes(StandardCharsets.UTF_8);
      }
      exchange.getResponseHeaders().add("Content-Type", type);
      exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      if (body.length > 0) {
        exchange.getResponseBody().write(body);
      }
      exchange.close();
    });
    peer.start();
    try {
      Path cert = certs.resolve("clients/bob.crt");
      Path key = certs.resolve("clients/bob.key");
      PipedOutputStream hostWrites = new PipedOutputStream();
      PipedInputStream bridgeReads = new PipedInputStream(hostWrites, 1 << 16);
      PipedInputStream hostReads = new PipedInputStream(1 << 20);
      PrintStream bridgeWrites = new PrintStream(new PipedOutputStream(hostReads), true, StandardCharsets.UTF_8);
      Bridge bridge = new Bridge(java.net.URI.create("https://localhost:" + peer.getAddress().getPort() + "/mcp"),
          BridgeTls.context(cert, key, demo.layout().chain()), () -> null, bridgeWrites);
      Thread relay = new Thread(() -> {
        try {
          bridge.run(bridgeReads);
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      });
      relay.setDaemon(true);
      relay.start();
      BufferedReader host = new BufferedReader(new InputStreamReader(hostReads, StandardCharsets.UTF_8));
      PrintStream toBridge = new PrintStream(hostWrites, true, StandardCharsets.UTF_8);
      toBridge.println("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
          + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"the-host\",\"version\":\"9\"}}}");
      assertThat(answer(host, 1).path("result").path("protocolVersion").asString("")).isEqualTo("2025-06-18");
      toBridge.println("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");

      toBridge.println("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"limited\"}}");
      JsonNode limited = answer(host, 2);
      assertThat(limited.path("error").path("code").asInt()).isEqualTo(Bridge.RATE_LIMITED);
      assertThat(limited.path("error").path("message").asString(""))
          .isEqualTo("rate limited by the Gatehouse server: retry after 7 s (too many calls)");
      assertThat(limited.path("error").path("data").path("retryAfterSeconds").asInt()).isEqualTo(7);

      toBridge.println("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\"}}");
      JsonNode echoed = answer(host, 3);
      assertThat(echoed.path("result").path("session").asString("")).isEqualTo("s-2");
      assertThat(echoed.path("result").path("version").asString("")).isEqualTo("2025-06-18");
      assertThat(initializes).hasSize(2);
      assertThat(initializes.get(1).path("params")).isEqualTo(initializes.get(0).path("params"));
      toBridge.close();
      relay.join(10_000);
      // The host saw exactly its three answers: nothing of the replayed initialize.
      assertThat(host.ready()).isFalse();
      assertThat(hostReads.available()).isZero();
    } finally {
      peer.stop(0);
    }
  }

  /** The MCP Inspector's CLI (v1, which runs on Node 20; v2 needs Node 22), pinned. */
  static final String INSPECTOR_CLI = "@modelcontextprotocol/inspector-cli@1.0.3";

  /**
   * The Inspector line of docs/clients.md, run as written: read from the doc, with only the
   * machine-specific parts replaced (the pinned inspector-cli's {@code node build/index.js} for
   * {@code npx @modelcontextprotocol/inspector --cli}, which needs Node 22.19; this checkout's
   * {@code gatehouse} launcher for {@code /opt/gatehouse/gatehouse}, running this build through a
   * class-path jar; the demo's URL and certificate directory). tools/list, then the doc's check:
   * the same command with {@code --method tools/call --tool-name whoami} prints alice's principal
   * and {@code "auth_method": "certificate"}. Tagged {@code long} (about 45 s, mostly npx
   * fetching and starting the inspector): CI runs it with {@code -Plong-tests}.
   */
  @Test
  @Tag("long")
  void theDocumentedInspectorCommandListsToolsAndWhoamiIsTheCertificate() throws Exception {
    requireNpm();
    Path cli = installInspectorCli();
    List<String> documented = documentedInspectorCommand();
    assertThat(String.join(" ", documented.subList(0, 3))).isEqualTo("npx @modelcontextprotocol/inspector --cli");
    Path launcher = Path.of("..", "gatehouse").toAbsolutePath().normalize();
    assertThat(Files.isExecutable(launcher)).as(launcher.toString()).isTrue();
    List<String> command = new ArrayList<>(List.of("node", cli.toString()));
    for (String word : documented.subList(3, documented.size())) {
      command.add(switch (word) {
        case "/opt/gatehouse/gatehouse" -> launcher.toString();
        case "https://localhost:8443/mcp" -> demo.mcpUrl();
        default -> word.startsWith("certs/") ? certs.resolve(word.substring("certs/".length())).toString() : word;
      });
    }
    String tools = runDocumented(cli, command);
    // alice is the demo's manager: whoami and the CRM tool she calls in the demo.
    assertThat(tools).contains("\"whoami\"").contains("\"crm.update_opportunity\"");
    int method = command.indexOf("tools/list");
    assertThat(method).isPositive();
    List<String> whoami = new ArrayList<>(command);
    whoami.set(method, "tools/call");
    whoami.addAll(method + 1, List.of("--tool-name", "whoami"));
    String who = runDocumented(cli, whoami);
    assertThat(who).contains("/client/alice").containsPattern("\"auth_method\"\\s*:\\s*\"certificate\"");
  }

  /** The first code line of docs/clients.md that starts with npx …inspector --cli, to the block's end, as words. */
  static List<String> documentedInspectorCommand() throws Exception {
    String doc = Files.readString(Path.of("..", "docs", "clients.md"));
    int start = doc.indexOf("\nnpx @modelcontextprotocol/inspector --cli") + 1;   // a line of a code block
    assertThat(start).as("docs/clients.md has the Inspector command").isPositive();
    int end = doc.indexOf("```", start);
    String block = doc.substring(start, end).replace("\\\n", " ");
    return List.of(block.strip().split("\\s+"));
  }

  /** Runs the documented command with the launcher pointed at this build (GATEHOUSE_JAR, a class-path jar). */
  static String runDocumented(Path cli, List<String> command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(cli.getParent().toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().put("GATEHOUSE_JAR", classPathJar().toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("GATEHOUSE_JAVA_OPTS", String.join(" ", CliChild.FAST_START_FLAGS));
    Process process = builder.start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(3, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as(out).isZero();
    return out;
  }

  /** A jar holding only a manifest: Main-Class the Gatehouse CLI, Class-Path this test's class path. */
  static synchronized Path classPathJar() throws Exception {
    Path jar = Path.of("target", "connect-classpath.jar").toAbsolutePath();
    java.util.jar.Manifest manifest = new java.util.jar.Manifest();
    java.util.jar.Attributes attributes = manifest.getMainAttributes();
    attributes.put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
    attributes.put(java.util.jar.Attributes.Name.MAIN_CLASS, "io.gatehouse.cli.GatehouseCli");
    StringBuilder classPath = new StringBuilder();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty()) {
        classPath.append(Path.of(entry).toAbsolutePath().toUri()).append(' ');
      }
    }
    attributes.put(java.util.jar.Attributes.Name.CLASS_PATH, classPath.toString().strip());
    try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), manifest)) {
      // the manifest is the whole jar
    }
    return jar;
  }

  static Path installInspectorCli() throws Exception {
    Path prefix = Path.of("target", "node-inspector").toAbsolutePath();
    // build/index.js is the CLI proper (cli.js, the launcher, expects the inspector monorepo).
    Path cli = prefix.resolve("node_modules/@modelcontextprotocol/inspector-cli/build/index.js");
    if (!Files.exists(cli)) {
      Files.createDirectories(prefix);
      Process install = new ProcessBuilder("npm", "install", "--prefix", prefix.toString(), INSPECTOR_CLI,
          "--no-audit", "--no-fund", "--loglevel=error").redirectErrorStream(true).start();
      String log = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(install.waitFor(5, TimeUnit.MINUTES) && install.exitValue() == 0).as("npm install: " + log).isTrue();
    }
    return cli;
  }
}
