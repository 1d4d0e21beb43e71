package io.gatehouse.transport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.config.TransportConfig.ClientAuthMode;
import io.gatehouse.transport.config.TransportConfig.TlsProvider;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.testing.TestServer;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TLS policy, checked with {@code openssl s_client} (which, unlike the JDK, can still be told to
 * offer TLS 1.0/1.1 and CBC or non-forward-secret suites) against both providers; plain HTTP only
 * on loopback; client-certificate modes.
 */
class TlsPolicyTest {
  @TempDir static Path dir;
  static TestPki pki;

  @BeforeAll
  static void pki() {
    pki = TestPki.create(dir, "tls");
  }

  static void assumeProvider(TlsProvider provider) {
    if (provider == TlsProvider.OPENSSL) {
      assumeTrue(OpenSsl.isAvailable(), "netty-tcnative not loadable here");
    }
  }

  /** Issue 11, finding 8: no ClassNotFoundException text, a reason an operator can act on. */
  @org.junit.jupiter.api.Test
  void openSslUnavailableIsExplainedAndAutoPicksOpenSslWhenItLoads() {
    assertThat(ServerTls.unavailable(new ClassNotFoundException("io.netty.internal.tcnative.SSLContext")))
        .contains("not in this build").doesNotContain("ClassNotFound", "\n");
    assertThat(ServerTls.unavailable(new UnsatisfiedLinkError("no netty_tcnative")))
        .contains("cannot load on this platform").doesNotContain("netty_tcnative");
    assertThat(ServerTls.provider(TlsProvider.AUTO)).isEqualTo(OpenSsl.isAvailable()
        ? io.netty.handler.ssl.SslProvider.OPENSSL : io.netty.handler.ssl.SslProvider.JDK);
    assertThat(ServerTls.provider(TlsProvider.JDK)).isEqualTo(io.netty.handler.ssl.SslProvider.JDK);
  }

  record Result(int exit, String output) {}

  static Result sClient(int port, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect",
        "127.0.0.1:" + port, "-servername", "localhost", "-CAfile", pki.rootPem().toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Result(process.exitValue(),
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @EnumSource(value = TlsProvider.class, names = {"JDK", "OPENSSL"})
  void onlyTls13And12WithAeadSuitesAreAccepted(TlsProvider provider) throws Exception {
    assumeProvider(provider);
    TransportConfig config = TestServer.tlsConfig(pki);
    config = config.withTls(config.tls().withProvider(provider));
    try (TestServer server = TestServer.start(config)) {
      int port = server.port();
      Result tls13 = sClient(port, "-tls1_3");
      assertThat(tls13.exit()).as(tls13.output()).isZero();
      assertThat(tls13.output()).contains("TLSv1.3").contains("Verify return code: 0 (ok)");

      Result gcm = sClient(port, "-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256");
      assertThat(gcm.exit()).as(gcm.output()).isZero();
      assertThat(gcm.output()).contains("ECDHE-ECDSA-AES128-GCM-SHA256");

      // SECLEVEL=0 lets the client offer what OpenSSL 3 itself would refuse: the refusal
      // must come from the server.
      for (String[] weak : List.of(
          new String[] {"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"},
          new String[] {"-tls1", "-cipher", "DEFAULT@SECLEVEL=0"},
          new String[] {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384"},
          new String[] {"-tls1_2", "-cipher", "AES128-GCM-SHA256:AES256-GCM-SHA384"},
          new String[] {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256@SECLEVEL=0"})) {
        Result refused = sClient(port, weak);
        assertThat(refused.exit()).as(String.join(" ", weak) + "\n" + refused.output())
            .isNotZero();
        assertThat(refused.output()).as(String.join(" ", weak))
            .containsAnyOf("alert protocol version", "alert handshake failure",
                "sslv3 alert", "tlsv1 alert")
            .contains("Cipher is (NONE)");
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = TlsProvider.class, names = {"JDK", "OPENSSL"})
  void theSdkClientWorksOverEachProvider(TlsProvider provider) {
    assumeProvider(provider);
    TransportConfig config = TestServer.tlsConfig(pki);
    config = config.withTls(config.tls().withProvider(provider));
    SSLContext tls = pki.clientContext(null);
    try (TestServer server = TestServer.start(config);
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport
                .builder("https://localhost:" + server.port())
                .customizeClient(b -> b.sslContext(tls)).build())
            .requestTimeout(Duration.ofSeconds(20)).build()) {
      client.initialize();
      McpSchema.CallToolResult result = client.callTool(McpSchema.CallToolRequest
          .builder("echo").arguments(Map.of("text", provider.name())).build());
      assertThat(((McpSchema.TextContent) result.content().get(0)).text())
          .isEqualTo(provider.name());
    }
  }

  @Test
  void autoPicksOpenSslExactlyWhenItLoads() {
    SslProvider expected = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    assertThat(ServerTls.provider(TlsProvider.AUTO)).isEqualTo(expected);
    assertThat(ServerTls.provider(TlsProvider.JDK)).isEqualTo(SslProvider.JDK);
  }

  @Test
  void plainHttpOnlyOnLoopback() throws IOException {
    TransportConfig exposed = TransportConfig.defaults().withAddress("0.0.0.0", 0).withPlainHttp();
    assertThatThrownBy(() -> Gatehouse.server(exposed).insecureNoAuthentication().start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("plain HTTP is only allowed on a loopback address");

    try (TestServer server = TestServer.start(
            TransportConfig.defaults().withAddress("127.0.0.1", 0).withPlainHttp());
        RawHttp raw = RawHttp.connect(null, server.port())) {
      assertThat(raw.exchange(RawHttp.request("GET", "/healthz", Map.of(), null)).status())
          .isEqualTo(200);
    }
  }

  @Test
  void tlsWithoutMaterialFailsWithOneClearLine() {
    TransportConfig config = TransportConfig.defaults().withAddress("127.0.0.1", 0);
    assertThatThrownBy(() -> Gatehouse.server(config).insecureNoAuthentication().start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tls.certificate is required");
    TransportConfig missingFile = config.withTls(TransportConfig.Tls.of(
        dir.resolve("nope.crt"), dir.resolve("nope.key")));
    assertThatThrownBy(() -> Gatehouse.server(missingFile).insecureNoAuthentication().start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cannot read");
  }

  @Test
  void requiredClientCertificatesMustChainToTheTrustBundle() throws Exception {
    TransportConfig config = TestServer.tlsConfig(pki);
    config = config.withTls(config.tls().withClientAuth(ClientAuthMode.REQUIRE, pki.rootPem()));
    TestPki other = TestPki.create(dir, "other");
    try (TestServer server = TestServer.start(config)) {
      SSLContext good = pki.clientContext(pki.client("alice", "manager"));
      try (RawHttp raw = RawHttp.connect(good, server.port())) {
        assertThat(raw.exchange(RawHttp.request("GET", "/healthz", Map.of(), null)).status())
            .isEqualTo(200);
      }
      // No certificate, or one from another CA: no HTTP exchange is possible (under TLS 1.3
      // the refusal may arrive as an alert on the first read rather than in the handshake).
      for (SSLContext bad : List.of(pki.clientContext(null),
          mixedContext(other.client("mallory", "manager")))) {
        assertThatThrownBy(() -> {
          try (RawHttp raw = RawHttp.connect(bad, server.port())) {
            raw.exchange(RawHttp.request("GET", "/healthz", Map.of(), null));
          }
        }).isInstanceOf(IOException.class);
      }
    }
  }

  /** Trusts our server but presents a certificate from {@code other}'s CA. */
  private static SSLContext mixedContext(TestPki.Issued foreign) throws Exception {
    var keys = java.security.KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("me", foreign.key(), "t".toCharArray(),
        new java.security.cert.X509Certificate[] {foreign.certificate()});
    var kmf = javax.net.ssl.KeyManagerFactory.getInstance(
        javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, "t".toCharArray());
    var trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("root", pki.root());
    var tmf = javax.net.ssl.TrustManagerFactory.getInstance(
        javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }
}
