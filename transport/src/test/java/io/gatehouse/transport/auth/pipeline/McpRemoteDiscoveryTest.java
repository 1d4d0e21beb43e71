package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import io.gatehouse.transport.auth.jwt.JwtConfig;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.est.EstService;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.McpRemote;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mcp-remote} (npm), configured with no header, against a Gatehouse server that lists the
 * CA service as its authorization server: it walks 401 → protected-resource metadata → the CA
 * service's RFC 8414 metadata over HTTPS, and stops there with an error naming what the metadata
 * lacks for its flows ({@code authorization_endpoint}: the CA service offers client_credentials
 * with tls_client_auth only). Not on DNS, not on a refused connection, and no browser is opened.
 * What it does is recorded in docs/authentication.md.
 */
class McpRemoteDiscoveryTest {
  private static final String INITIALIZE = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\","
      + "\"params\":{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},"
      + "\"clientInfo\":{\"name\":\"host\",\"version\":\"1\"}}}";

  @TempDir static Path dir;
  static RealCa ca;
  static CaService caService;
  static TestServer server;
  static String url;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    // The resource must be the URL mcp-remote is given (it checks RFC 9728 `resource` against
    // it, and follows the 401's resource_metadata URL built from it): take a free port first.
    int port = freePort();
    url = "https://localhost:" + port + "/mcp";
    caService = CaService.start(ca.authority(), ca.issuerKey(),
        JwtSigningKey.loadOrCreate(ca.authority().layout(), ca.authority().config(),
            RealCa.PASSPHRASE.toCharArray()),
        new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
            new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"),
                EstService.Limits.defaults(), List.of(url))),
        Clock.systemUTC());
    JwtConfig localCa = JwtConfig.builder().enabled(true).issuer(caService.tokenIssuer())
        .keyFile(ca.jwksFile()).localCaTrustDomain("gatehouse.local")
        .localCaAuthorizationServer(true).build();
    AuthConfig auth = AuthConfig.defaults().withPolicy(AuthFixture.writePolicy(dir))
        .withMethods(CertificateConfig.defaults(), localCa, new ApiKeyConfig(false, null))
        .withLockout(AuthFixture.lenientLockout());
    server = TestServer.startSecure(TransportConfig.defaults().withAddress("127.0.0.1", port)
        .withTls(TransportConfig.Tls.of(ca.serverCertificate(), ca.serverKey())
            .withClientAuth(TransportConfig.ClientAuthMode.NONE, ca.chainPem()))
        .withAuth(auth.withResource(URI.create(url))));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {server, caService, ca}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** mcp-remote with its state in {@code dir}, trusting the CA chain, a recording BROWSER. */
  static McpRemote.Run mcpRemote(String name, List<String> args) throws Exception {
    Path home = Files.createDirectories(dir.resolve(name));
    Path browser = home.resolve("browser.sh");
    Files.writeString(browser, "#!/bin/sh\necho \"$@\" >> '" + home.resolve("opened.txt") + "'\n");
    browser.toFile().setExecutable(true);
    return McpRemote.run(url, args, Map.of(
        "NODE_EXTRA_CA_CERTS", ca.chainPem().toString(),
        "BROWSER", browser.toString(),
        "MCP_REMOTE_CONFIG_DIR", home.resolve("auth").toString(),
        "HOME", home.toString()), INITIALIZE, 90);
  }

  static void assertStoppedAtTheCaServicesMetadata(McpRemote.Run run) {
    assertThat(run.exit()).as("exits by itself\n" + run.stderr()).isNotNull().isNotZero();
    assertThat(run.stderr())
        .contains("Discovered authorization server: " + caService.tokenIssuer())
        // The TypeScript SDK's RFC 8414 schema requires authorization_endpoint.
        .contains("authorization_endpoint")
        .doesNotContain("ENOTFOUND", "getaddrinfo", "ECONNREFUSED", "gatehouse.local:");
    assertThat(run.stdout()).as("no result reached the host").doesNotContain("\"result\"");
  }

  @Test
  void withNoHeaderItFollowsTheChainToTheCaServiceAndStopsThereWithoutABrowser() throws Exception {
    McpRemote.Run run = mcpRemote("default", List.of(String.valueOf(freePort())));
    assertStoppedAtTheCaServicesMetadata(run);
    assertThat(dir.resolve("default/opened.txt")).as("no browser was opened").doesNotExist();
  }

  @Test
  void itsClientCredentialsModeStopsAtTheSameDocument() throws Exception {
    // mcp-remote's machine mode sends a client secret; the CA service takes certificates only.
    McpRemote.Run run = mcpRemote("client-credentials", List.of("--client-credentials",
        "--static-oauth-client-info",
        "{\"client_id\":\"spiffe://gatehouse.local/client/alice\",\"client_secret\":\"unused\"}"));
    assertStoppedAtTheCaServicesMetadata(run);
    assertThat(run.stderr()).contains("client_credentials grant");
  }
}
