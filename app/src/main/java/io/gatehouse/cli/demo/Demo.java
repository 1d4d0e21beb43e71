package io.gatehouse.cli.demo;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CaLayout;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.authority.SecureFiles;
import io.gatehouse.cli.CliEnvironment;
import io.gatehouse.cli.GatehouseCli;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.CertificateStatus;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.ca.est.EstClient;
import io.gatehouse.ca.est.EstService;
import io.gatehouse.pki.identity.SpiffeId;
import io.gatehouse.example.config.ServerConfig;
import io.gatehouse.example.server.ExampleServer;
import io.modelcontextprotocol.spec.McpSchema;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLContext;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code gatehouse demo}, steps 1 to 7: a CA, certificates and a token, {@code ca serve} and the
 * example server in this process, the MCP Java SDK client as each identity, and a revocation seen
 * through OCSP, an agent enrolled and renewed over EST, and a certificate-bound token from
 * {@code POST /token}. Every step runs the same commands and classes a user would; nothing is simulated.
 * Idempotent: a second run reuses the CA, its passphrase file and every certificate still good.
 * {@link #close()} stops the servers.
 */
public final class Demo implements AutoCloseable {
  /** The identities of step 4. */
  public static final List<Identity> IDENTITIES = List.of(
      new Identity("alice", "manager", true,
          Identity.call("crm.update_opportunity", "opportunity_id", "O-901", "stage", "negotiation"),
          Identity.call(Identity.METRICS)),
      new Identity("bob", "assistant-manager", true,
          Identity.call("projects.create_task", "project_id", "P-10",
              "title", "Threat-model the MCP gateway", "assignee", "E-1002"),
          Identity.call("crm.get_customer", "customer_id", "C-500")),
      new Identity("carol", "officer", true,
          Identity.call("hr.list_employees", "department", "engineering"),
          Identity.call("hr.approve_leave", "request_id", "L-201", "decision", "approve")),
      new Identity("erin", "auditor", false,
          Identity.call("crm.get_customer", "customer_id", "C-500"),
          Identity.call("crm.update_opportunity", "opportunity_id", "O-900", "stage", "won")));

  /** The identity revoked in step 5. */
  public static final String REVOKED = "carol";

  /** How long the demo server trusts an OCSP answer (the default is 5m); bounds step 5. */
  public static final Duration OCSP_CACHE_TTL = Duration.ofSeconds(2);

  static final String PASSPHRASE_FILE = "ca-passphrase";

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** Steps 1 to 7 run here; step 8 is {@link DemoInstructions}. */
  public static final int STEPS = 8;

  /** The EST provisioner of step 6 and the agent it enrolls. */
  public static final String PROVISIONER = "demo-agents";
  public static final String AGENT = "agent-7";
  public static final String AGENT_ROLE = "assistant-manager";

  /** The identity whose certificate gets the bound token of step 7. */
  public static final String BOUND = "alice";

  /**
   * What to run.
   *
   * @param dir the CA directory ({@code --dir}, default {@code certs})
   * @param port the MCP server's port (0: a free one)
   * @param caPort the CA service's port (0: a free one)
   * @param env environment variables ({@code GATEHOUSE_CA_PASSPHRASE} is honoured)
   */
  public record Options(Path dir, int port, int caPort, Map<String, String> env) {}

  /**
   * One step's outcome.
   *
   * @param number 1 to 6
   * @param ok whether it did what it should
   * @param summary the line printed after ✓/✗
   */
  public record Step(int number, boolean ok, String summary) {}

  /**
   * One call's outcome.
   *
   * @param call what was called
   * @param status the HTTP status (200 for a tool result), or {@link McpProbe#NO_STATUS}
   * @param toolError the tool answered {@code isError} (only with status 200)
   */
  public record CallOutcome(Identity.Call call, int status, boolean toolError) {
    /** Whether the call went through and the tool did its work. */
    public boolean succeeded() {
      return status == 200 && !toolError;
    }
  }

  /**
   * A row of step 4's table.
   *
   * @param identity who connected
   * @param principal the principal id whoami returned
   * @param authMethod the method whoami returned ({@code certificate}, {@code jwt})
   * @param tools the tools {@code tools/list} showed
   * @param allowed the permitted call
   * @param denied the refused call
   */
  public record Row(Identity identity, String principal, String authMethod, List<String> tools,
      CallOutcome allowed, CallOutcome denied) {
    /** Authenticated as expected, the permitted call worked, the other was refused with 403. */
    public boolean ok() {
      return authMethod.equals(identity.certificate() ? "certificate" : "jwt")
          && allowed.succeeded() && denied.status() == 403;
    }
  }

  /**
   * Step 5's outcome.
   *
   * @param serial carol's serial (hex)
   * @param status the status of her first refused connection ({@link McpProbe#NO_STATUS} if none)
   * @param admittedBefore connections still admitted from the cached OCSP answer
   * @param elapsed from revocation to refusal
   * @param reason the audit log's reason for the refusal, if it had one in time
   */
  public record Revocation(String serial, int status, int admittedBefore, Duration elapsed,
      String reason) {}

  /**
   * Everything steps 1 to 5 found.
   *
   * @param steps one per step that ran, in order
   * @param rows the table of step 4
   * @param revocation the outcome of step 5, or null when it did not run
   */
  public record Report(List<Step> steps, List<Row> rows, Revocation revocation, ModernCall modern,
      Enrollment enrollment, BoundToken boundToken) {
    /** Whether all seven steps ran and succeeded. */
    public boolean ok() {
      return steps.size() == STEPS - 1 && steps.stream().allMatch(Step::ok);
    }
  }

  /**
   * Step 4's extra row: alice through the SDK's MCP 2026-07-28 (stateless) client.
   *
   * @param tools the tools its {@code tools/list} showed
   * @param whoami whoami's text
   * @param legacyTools the tools alice's legacy (2025-xx) session showed
   */
  public record ModernCall(List<String> tools, String whoami, List<String> legacyTools) {
    /** Same tools as the legacy session, and whoami names alice's certificate. */
    public boolean ok() {
      return Set.copyOf(tools).equals(Set.copyOf(legacyTools)) && whoami.contains("/client/alice");
    }
  }

  /**
   * Step 6's outcome: an agent enrolled over EST with a token, then renewed over mTLS.
   *
   * @param enrolledSerial the serial (hex) of the enrolled certificate
   * @param renewedSerial the serial (hex) of its successor
   * @param principalEnrolled whoami's principal with the enrolled certificate
   * @param principalRenewed whoami's principal with the renewed certificate
   */
  public record Enrollment(String enrolledSerial, String renewedSerial, String principalEnrolled,
      String principalRenewed) {
    /** Both certificates authenticated as the agent, and the renewal made a new one. */
    public boolean ok() {
      return principalEnrolled.endsWith("/client/" + AGENT) && principalRenewed.equals(principalEnrolled)
          && !enrolledSerial.equals(renewedSerial);
    }
  }

  /**
   * Step 7's outcome: a certificate-bound token from the CA service's {@code POST /token}.
   *
   * @param audience the token's {@code aud}
   * @param boundToCertificate {@code cnf.x5t#S256} is the SHA-256 of alice's certificate
   * @param status the MCP server's status for the token sent without the certificate
   * @param challenge its {@code WWW-Authenticate} header
   * @param reason the audit log's reason for the refusal ("" if none appeared in time)
   */
  public record BoundToken(List<String> audience, boolean boundToCertificate, int status, String challenge,
      String reason) {
    /** Issued for the MCP server, bound to alice's certificate, and useless without it. */
    public boolean ok(String resource) {
      return audience.equals(List.of(resource)) && boundToCertificate && status == 401
          && challenge.contains("invalid_token") && reason.contains("certificate");
    }
  }

  private final Options options;
  private final PrintWriter out;
  private final CaLayout layout;
  private final Path demoDir;
  private final List<Step> steps = new ArrayList<>();
  private final List<Row> rows = new ArrayList<>();
  private int port;
  private int caPort;
  private String passphrase;
  private String token;
  private CertificateAuthority ca;
  private CaService caService;
  private ExampleServer server;
  private Revocation revocation;
  private ModernCall modern;
  private Enrollment enrollment;
  private BoundToken boundToken;

  /** A demo writing its progress to {@code out}. */
  public Demo(Options options, PrintWriter out) {
    this.options = options;
    this.out = out;
    this.layout = new CaLayout(options.dir());
    this.demoDir = options.dir().resolve("demo");
  }

  /** Runs steps 1 to 5, stopping at the first that fails; the servers keep running. */
  public Report run() {
    port = options.port() == 0 ? freePort() : options.port();
    caPort = options.caPort() == 0 ? freePort() : options.caPort();
    boolean ok = step(1, this::prepareCa)
        && step(2, this::issue)
        && step(3, this::startServers)
        && step(4, this::connectAsEachIdentity)
        && step(5, this::revokeAndReconnect)
        && step(6, this::enrollAndRenewOverEst)
        && step(7, this::certificateBoundToken);
    return new Report(List.copyOf(steps), List.copyOf(rows), revocation, modern, enrollment, boundToken);
  }

  /** The MCP endpoint. */
  public String mcpUrl() {
    return baseUrl() + "/mcp";
  }

  /** The CA service's base URL ({@code /ocsp}, {@code /crl}, {@code /jwks.json}). */
  public String caUrl() {
    return "http://127.0.0.1:" + caPort;
  }

  /** The CA service's HTTPS listener (EST, {@code POST /token}); null before step 3. */
  public String caHttpsUrl() {
    return caService == null ? null : caService.httpsUrl();
  }

  /** The file the demo server's configuration was written to. */
  public Path serverConfigFile() {
    return demoDir.resolve("server.yaml");
  }

  /** The file the token of the token-only identity was written to. */
  public Path tokenFile(Identity identity) {
    return demoDir.resolve(identity.name() + ".jwt");
  }

  /** The file the CA passphrase is kept in, when the demo generated it. */
  public Path passphraseFile() {
    return demoDir.resolve(PASSPHRASE_FILE);
  }

  /** The CA layout under {@code --dir}. */
  public CaLayout layout() {
    return layout;
  }

  /** The audit log of the demo server. */
  public Path auditLog() {
    return demoDir.resolve("audit.log");
  }

  /** The policy file of the demo server (hot-reloaded). */
  public Path policyFile() {
    return demoDir.resolve("policy.yaml");
  }

  private String baseUrl() {
    return "https://localhost:" + port;
  }

  private interface Action {
    String run() throws Exception;
  }

  /** Thrown by a step for an expected failure: its message is the whole story. */
  static final class StepFailure extends Exception {
    private static final long serialVersionUID = 1L;

    StepFailure(String message) {
      super(message, null, false, false);
    }
  }

  private boolean step(int number, Action action) {
    String summary;
    boolean ok;
    try {
      summary = action.run();
      ok = number != 4 || (rows.stream().allMatch(Row::ok) && modern.ok());
      ok = ok && (number != 5 || revocation.status() == 401);
      ok = ok && (number != 6 || enrollment.ok());
      ok = ok && (number != 7 || boundToken.ok(mcpUrl()));
    } catch (StepFailure e) {
      summary = e.getMessage();
      ok = false;
    } catch (Exception e) {
      summary = "failed: " + oneLine(e);
      ok = false;
    }
    steps.add(new Step(number, ok, summary));
    out.println((ok ? "✓ " : "✗ ") + number + "/" + STEPS + "  " + summary);
    out.flush();
    return ok;
  }

  // Step 1 -------------------------------------------------------------------------------------

  private String prepareCa() throws Exception {
    boolean exists = Files.isRegularFile(layout.config());
    String where;
    if (hasValue(CliEnvironment.CA_PASSPHRASE) || hasValue(CliEnvironment.CA_PASSPHRASE + CliEnvironment.FILE_SUFFIX)) {
      char[] given = new CliEnvironment(options.env(), null, Clock.systemUTC()).caPassphrase(false);
      passphrase = new String(given);
      Arrays.fill(given, '\0');
      where = "passphrase from " + (hasValue(CliEnvironment.CA_PASSPHRASE) ? CliEnvironment.CA_PASSPHRASE
          : CliEnvironment.CA_PASSPHRASE + CliEnvironment.FILE_SUFFIX);
    } else if (Files.isRegularFile(passphraseFile())) {
      passphrase = Files.readString(passphraseFile(), StandardCharsets.UTF_8).strip();
      where = "passphrase in " + passphraseFile();
    } else if (!exists) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      passphrase = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
      SecureFiles.ensureDirectory(demoDir);
      SecureFiles.writeSecret(passphraseFile(), (passphrase + "\n").getBytes(StandardCharsets.UTF_8));
      where = "passphrase generated into " + passphraseFile() + " (mode 0600)";
    } else {
      throw new StepFailure(layout.caDir() + " exists but its passphrase is unknown: set "
          + CliEnvironment.CA_PASSPHRASE + "(" + CliEnvironment.FILE_SUFFIX + "), or use --dir with an empty directory");
    }
    if (exists) {
      try (CertificateAuthority existing = CertificateAuthority.open(options.dir());
           var unlocked = new Wiped(passphrase)) {
        existing.unlock(unlocked.chars());
      } catch (CaException e) {
        throw new StepFailure("cannot unlock the CA in " + layout.caDir() + ": " + e.getMessage());
      }
      return "CA reused from " + layout.caDir() + "; " + where;
    }
    // --issuer: an https URL, so the CLI's tokens and POST /token's (step 7) carry the same iss,
    // the one the demo server trusts (docs/authentication.md, "The CA service as an authorization server").
    gatehouse("ca", "init", "--dir", options.dir().toString(), "--intermediate",
        "--ocsp-url", caUrl() + "/ocsp", "--crl-url", caUrl() + "/crl",
        "--issuer", "https://" + SpiffeId.DEFAULT_TRUST_DOMAIN);
    return "CA created in " + layout.caDir() + " (root + intermediate); " + where;
  }

  private boolean hasValue(String variable) {
    String value = options.env().get(variable);
    return value != null && !value.isEmpty();
  }

  // Step 2 -------------------------------------------------------------------------------------

  private String issue() throws Exception {
    // Which certificates are still good is read first, with a connection closed before the
    // commands below write to the store from their own connections.
    Instant now = Instant.now();
    Path serverCert = layout.serversDir().resolve("localhost.crt");
    boolean serverGood;
    Map<String, Boolean> clientGood = new HashMap<>();
    try (CertificateAuthority current = CertificateAuthority.open(options.dir())) {
      serverGood = usable(current, serverCert, Set.of(), now.plus(Duration.ofDays(1)));
      for (Identity identity : IDENTITIES) {
        if (identity.certificate()) {
          clientGood.put(identity.name(), usable(current, clientCertificate(identity),
              Set.of(identity.role()), now.plus(Duration.ofHours(1))));
        }
      }
    }
    List<String> issued = new ArrayList<>();
    List<String> reused = new ArrayList<>();
    if (serverGood) {
      reused.add("localhost (server)");
    } else {
      gatehouse("ca", "issue", "server", "--dir", options.dir().toString(),
          "--dns", "localhost", "--ip", "127.0.0.1", "--force");
      issued.add("localhost (server)");
    }
    for (Identity identity : IDENTITIES) {
      if (!identity.certificate()) {
        continue;
      }
      String label = identity.name() + " (" + identity.role() + ")";
      if (clientGood.get(identity.name())) {
        reused.add(label);
      } else {
        gatehouse("ca", "issue", "client", "--dir", options.dir().toString(),
            "--name", identity.name(), "--role", identity.role(), "--force");
        issued.add(label);
      }
    }
    String jwtFor = "";
    for (Identity identity : IDENTITIES) {
      if (!identity.certificate()) {
        token = gatehouse("token", "--dir", options.dir().toString(), "--name", identity.name(),
            "--role", identity.role(), "--ttl", "1h", "--aud", mcpUrl()).strip();
        SecureFiles.ensureDirectory(demoDir);
        SecureFiles.writeSecret(tokenFile(identity), (token + "\n").getBytes(StandardCharsets.UTF_8));
        jwtFor = identity.name() + " (" + identity.role() + ", no certificate)";
      }
    }
    return "Issued " + (issued.isEmpty() ? "" : "certificates for " + String.join(", ", issued) + "; ")
        + "a 1h JWT for " + jwtFor
        + (reused.isEmpty() ? "" : "; reused the still valid certificates of " + String.join(", ", reused));
  }

  private static boolean usable(CertificateAuthority ca, Path certificateFile, Set<String> roles,
      Instant validUntil) throws CaException {
    if (!Files.isRegularFile(certificateFile)) {
      return false;
    }
    X509Certificate certificate = PemFiles.readCertificate(certificateFile);
    if (certificate.getNotAfter().toInstant().isBefore(validUntil)) {
      return false;
    }
    Optional<CertificateRecord> record = ca.store().find(certificate.getSerialNumber());
    return record.isPresent()
        && record.get().status(Instant.now()) == CertificateStatus.VALID
        && Set.copyOf(record.get().roles()).equals(roles);
  }

  private Path clientCertificate(Identity identity) {
    return layout.clientsDir().resolve(identity.name() + ".crt");
  }

  // Step 3 -------------------------------------------------------------------------------------

  private String startServers() throws Exception {
    ca = CertificateAuthority.open(options.dir());
    try (var unlocked = new Wiped(passphrase)) {
      IssuerKey issuerKey = ca.unlock(unlocked.chars());
      JwtSigningKey jwt = JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), unlocked.chars());
      caService = CaService.start(ca, issuerKey, jwt,
          new CaService.Options("127.0.0.1", caPort, Duration.ofHours(1), null, null,
              new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"),
                  EstService.Limits.defaults(), List.of(mcpUrl()))),
          Clock.systemUTC());
    }
    if (!Files.exists(policyFile())) {
      SecureFiles.writePublic(policyFile(), DemoFiles.shippedPolicy());
    }
    String ocsp = caUrl() + "/ocsp";
    String responderOverride = ocsp.equals(ca.config().ocspUrl()) ? null : ocsp;
    SecureFiles.writePublic(serverConfigFile(), DemoFiles.serverConfig(this, port,
        ca.config().tokenIssuer(), ca.config().trustDomain(), responderOverride)
        .getBytes(StandardCharsets.UTF_8));
    server = ExampleServer.start(ServerConfig.load(serverConfigFile(), Map.of()));
    return "Started the CA service on " + caUrl() + " (OCSP, CRL, JWKS) and " + caService.httpsUrl()
        + " (EST, POST /token), and the MCP server on "
        + mcpUrl() + " (client certificate optional: JWT fallback)";
  }

  // Step 4 -------------------------------------------------------------------------------------

  private String connectAsEachIdentity() throws Exception {
    for (Identity identity : IDENTITIES) {
      rows.add(probe(identity));
    }
    List<List<String>> table = new ArrayList<>();
    table.add(List.of("identity", "auth", "tools", "allowed call", "", "denied call", ""));
    int total = server.toolCount();
    for (Row row : rows) {
      table.add(List.of(row.identity().name() + " (" + row.identity().role() + ")", row.authMethod(),
          row.tools().size() + "/" + total, row.allowed().call().tool(), status(row.allowed()),
          row.denied().call().tool(), status(row.denied())));
    }
    modern = modernCall(rows.get(0));
    table.add(List.of(rows.get(0).identity().name() + " via MCP 2026-07-28", rows.get(0).authMethod(),
        modern.tools().size() + "/" + total, "whoami", modern.whoami().contains("/client/alice") ? "200" : "wrong",
        "(stateless)", ""));
    int[] widths = new int[table.get(0).size()];
    table.forEach(cells -> {
      for (int c = 0; c < cells.size(); c++) {
        widths[c] = Math.max(widths[c], cells.get(c).length());
      }
    });
    StringBuilder text = new StringBuilder("Connected with the MCP Java SDK client as each identity:\n");
    for (List<String> cells : table) {
      StringBuilder line = new StringBuilder("\n       ");
      for (int c = 0; c < cells.size(); c++) {
        line.append(String.format("%-" + (widths[c] + 2) + "s", cells.get(c)));
      }
      text.append(line.toString().stripTrailing());
    }
    return text.toString();
  }

  /** Alice again, through the SDK's MCP 2026-07-28 client: no session, the same tools. */
  private ModernCall modernCall(Row legacy) throws Exception {
    SSLContext tls = tlsFor(legacy.identity());
    var transport = io.modelcontextprotocol.modern.client.transport.HttpClientMcpTransport
        .builder(mcpUrl()).customizeClient(b -> b.sslContext(tls)).build();
    var client = io.modelcontextprotocol.modern.client.McpClient.sync(transport).build();
    List<String> tools = client.listTools().skipCache().list().tools().stream()
        .map(io.modelcontextprotocol.modern.McpSchema.Tool::name).toList();
    var who = client.tool("whoami").call();
    String text = who.content().isEmpty()
        || !(who.content().get(0) instanceof io.modelcontextprotocol.modern.McpSchema.TextContent t)
        ? "" : t.text();
    return new ModernCall(tools, text, legacy.tools());
  }

  private static String status(CallOutcome outcome) {
    return outcome.status() == McpProbe.NO_STATUS ? "no answer"
        : outcome.toolError() ? "tool error" : String.valueOf(outcome.status());
  }

  private Row probe(Identity identity) throws Exception {
    try (McpProbe probe = McpProbe.connect(baseUrl(), tlsFor(identity), identity.certificate() ? null : token)) {
      McpSchema.CallToolResult who = probe.call("whoami", Map.of());
      Map<?, ?> whoami = who.structuredContent() instanceof Map<?, ?> m ? m : Map.of();
      List<String> tools = probe.toolNames();
      return new Row(identity, String.valueOf(whoami.get("principal")),
          String.valueOf(whoami.get("auth_method")), tools,
          call(probe, identity.allowed()), call(probe, identity.denied()));
    } catch (McpProbe.ProbeException e) {
      throw new StepFailure(identity.name() + " could not connect: " + e.getMessage());
    }
  }

  private static CallOutcome call(McpProbe probe, Identity.Call call) {
    if (call.tool().equals(Identity.METRICS)) {
      return new CallOutcome(call, probe.get("/metrics"), false);
    }
    try {
      McpSchema.CallToolResult result = probe.call(call.tool(), call.arguments());
      return new CallOutcome(call, 200, Boolean.TRUE.equals(result.isError()));
    } catch (McpProbe.ProbeException e) {
      return new CallOutcome(call, e.status(), false);
    }
  }

  private SSLContext tlsFor(Identity identity) throws Exception {
    return identity.certificate()
        ? PemTls.clientContext(layout.chain(), clientCertificate(identity),
            layout.clientsDir().resolve(identity.name() + ".key"))
        : PemTls.clientContext(layout.chain(), null, null);
  }

  // Step 5 -------------------------------------------------------------------------------------

  private String revokeAndReconnect() throws Exception {
    Identity carol = IDENTITIES.stream().filter(i -> i.name().equals(REVOKED)).findFirst().orElseThrow();
    String serial = PemFiles.readCertificate(clientCertificate(carol)).getSerialNumber().toString(16);
    gatehouse("ca", "revoke", "--dir", options.dir().toString(), "--serial", serial,
        "--reason", "keyCompromise");
    long start = System.nanoTime();
    long deadline = start + OCSP_CACHE_TTL.plusSeconds(10).toNanos();
    int admitted = 0;
    int status = McpProbe.NO_STATUS;
    SSLContext tls = tlsFor(carol);
    while (System.nanoTime() < deadline) {
      try {
        McpProbe.connect(baseUrl(), tls, null).close();
        admitted++;
      } catch (McpProbe.ProbeException e) {
        status = e.status();
        break;
      }
      Thread.sleep(250);
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
    String reason = status == 401 ? DemoFiles.auditReason(auditLog(), serial) : null;
    revocation = new Revocation(serial, status, admitted, elapsed, reason);
    if (status == McpProbe.NO_STATUS && admitted > 0) {
      throw new StepFailure("Revoked carol (serial " + serial + ") but she was still admitted after "
          + seconds(elapsed) + " (cache bound " + seconds(OCSP_CACHE_TTL) + ")");
    }
    return "Revoked carol (serial " + serial + ", keyCompromise); her next connection was refused: "
        + (status == McpProbe.NO_STATUS ? "no answer" : "HTTP " + status)
        + (reason == null ? "" : " (" + reason + ")")
        + ", " + seconds(elapsed) + " after the revocation (OCSP cache bound "
        + seconds(OCSP_CACHE_TTL) + ")";
  }

  // Step 6 -------------------------------------------------------------------------------------

  private String enrollAndRenewOverEst() throws Exception {
    String dir = options.dir().toString();
    String est = caService.httpsUrl();
    if (!gatehouse("ca", "provisioner", "list", "--dir", dir, "--json").contains("\"" + PROVISIONER + "\"")) {
      gatehouse("ca", "provisioner", "add", "--dir", dir, "--name", PROVISIONER, "--role", AGENT_ROLE,
          "--name-pattern", "agent-*", "--max-ttl", "1h");
    }
    String enrollmentToken = gatehouse("ca", "enroll-token", "--dir", dir, "--provisioner", PROVISIONER,
        "--name", AGENT, "--ttl", "5m").strip();
    // The agent's side: its own directory, the root pinned by fingerprint, no CA passphrase.
    CaLayout agent = new CaLayout(agentDir());
    String fingerprint = EstClient.fingerprint(PemFiles.readCertificate(layout.rootCertificate()));
    gatehouse("bootstrap", "--ca", est, "--fingerprint", fingerprint, "--dir", agentDir().toString());
    gatehouse("enroll", "--ca", est, "--token", enrollmentToken, "--dir", agentDir().toString(), "--force");
    Path cert = agent.clientsDir().resolve(AGENT + ".crt");
    Path key = agent.clientsDir().resolve(AGENT + ".key");
    String enrolled = PemFiles.readCertificate(cert).getSerialNumber().toString(16);
    String before = principal(PemTls.clientContext(agent.chain(), cert, key));
    gatehouse("renew", "--ca", est, "--cert", cert.toString(), "--key", key.toString(),
        "--dir", agentDir().toString());
    String renewed = PemFiles.readCertificate(cert).getSerialNumber().toString(16);
    String after = principal(PemTls.clientContext(agent.chain(), cert, key));
    enrollment = new Enrollment(enrolled, renewed, before, after);
    return AGENT + " enrolled over EST with a one-time token (serial " + enrolled + ") and called as "
        + before + "; renewed over mTLS (serial " + renewed + ") and called again as " + after;
  }

  /** The agent's directory (its pinned root, key and certificate). */
  public Path agentDir() {
    return demoDir.resolve("agent");
  }

  private String principal(SSLContext tls) throws StepFailure {
    try (McpProbe probe = McpProbe.connect(baseUrl(), tls, null)) {
      Object who = probe.call("whoami", Map.of()).structuredContent();
      return who instanceof Map<?, ?> m ? String.valueOf(m.get("principal")) : "?";
    } catch (McpProbe.ProbeException e) {
      throw new StepFailure(AGENT + " could not call the MCP server: " + e.getMessage());
    }
  }

  // Step 7 -------------------------------------------------------------------------------------

  private String certificateBoundToken() throws Exception {
    if (!caService.tokenIssuer().equals(ca.config().tokenIssuer())) {
      throw new StepFailure("POST /token signs as " + caService.tokenIssuer() + ", the demo server trusts "
          + ca.config().tokenIssuer() + " (a CA made without ca init --issuer): use a fresh --dir");
    }
    Path cert = layout.clientsDir().resolve(BOUND + ".crt");
    HttpClient withCertificate = HttpClient.newBuilder()
        .sslContext(PemTls.clientContext(layout.chain(), cert, layout.clientsDir().resolve(BOUND + ".key")))
        .connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> issued = withCertificate.send(HttpRequest.newBuilder(URI.create(caService.httpsUrl() + "/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&resource="
            + URLEncoder.encode(mcpUrl(), StandardCharsets.UTF_8)))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (issued.statusCode() != 200) {
      throw new StepFailure("POST /token answered " + issued.statusCode() + ": "
          + issued.body().replaceAll("\\s+", " "));
    }
    String accessToken = JSON.readTree(issued.body()).path("access_token").asString();
    JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(accessToken.split("\\.")[1]));
    List<String> audience = new ArrayList<>();
    if (claims.path("aud").isArray()) {
      claims.path("aud").forEach(a -> audience.add(a.asString()));
    } else {
      audience.add(claims.path("aud").asString());
    }
    String thumbprint = Base64.getUrlEncoder().withoutPadding().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(PemFiles.readCertificate(cert).getEncoded()));
    boolean bound = thumbprint.equals(claims.path("cnf").path("x5t#S256").asString());
    // The token alone, on a connection without alice's certificate: what a thief would hold.
    HttpClient withoutCertificate = HttpClient.newBuilder()
        .sslContext(PemTls.clientContext(layout.chain(), null, null))
        .connectTimeout(Duration.ofSeconds(10)).build();
    HttpResponse<String> refused = withoutCertificate.send(HttpRequest.newBuilder(URI.create(mcpUrl()))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("Authorization", "Bearer " + accessToken)
        .POST(HttpRequest.BodyPublishers.ofString("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    String challenge = refused.headers().firstValue("WWW-Authenticate").orElse("");
    String reason = refused.statusCode() != 401 ? null : DemoFiles.auditReason(auditLog(),
        event -> "jwt".equals(event.path("method").asString()) && !event.path("reason").asString().isEmpty());
    boundToken = new BoundToken(List.copyOf(audience), bound, refused.statusCode(), challenge,
        reason == null ? "" : reason);
    return "POST /token gave " + BOUND + " a token for " + String.join(",", audience)
        + (bound ? " bound to her certificate (cnf.x5t#S256 " + thumbprint.substring(0, 12) + "…)" : " NOT bound")
        + "; sent without the certificate: HTTP " + refused.statusCode()
        + (challenge.contains("invalid_token") ? " invalid_token" : "")
        + (reason == null ? "" : " (" + reason + ")");
  }

  private static String seconds(Duration d) {
    return String.format("%.1f s", d.toMillis() / 1000.0);
  }

  // Helpers ------------------------------------------------------------------------------------

  /** Runs a {@code gatehouse} command in this process; its stdout, or a one-line failure. */
  private String gatehouse(String... args) throws StepFailure {
    Map<String, String> env = new HashMap<>(options.env());
    env.put(CliEnvironment.CA_PASSPHRASE, passphrase);
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    CommandLine cli = GatehouseCli.newCommandLine(new CliEnvironment(env, null, Clock.systemUTC()));
    cli.setOut(new PrintWriter(stdout, true));
    cli.setErr(new PrintWriter(stderr, true));
    int code = cli.execute(args);
    if (code != 0) {
      String error = stderr.toString().strip().lines().findFirst().orElse("exit code " + code);
      throw new StepFailure("gatehouse " + args[0] + " " + args[1] + ": " + error.replaceFirst("^gatehouse: ", ""));
    }
    return stdout.toString();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  /** Stops the example server, then the CA service. */
  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
    if (caService != null) {
      caService.close();
    }
    if (ca != null) {
      ca.close();
    }
  }

  /** The passphrase as a char array, wiped on close. */
  private static final class Wiped implements AutoCloseable {
    private final char[] chars;

    Wiped(String secret) {
      this.chars = secret.toCharArray();
    }

    char[] chars() {
      return chars;
    }

    @Override
    public void close() {
      Arrays.fill(chars, '\0');
    }
  }
}
