package io.gatehouse.transport.auth.jwt;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.gatehouse.pki.tls.PemSslContexts;
import io.gatehouse.testing.TestPki;
import io.gatehouse.transport.auth.pipeline.GatehouseAuth;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team: the JWKS endpoint is down when the server starts, and a local unprivileged user binds
 * its port and serves its own key. Keys are taken only over HTTPS (or from a file), so the
 * attacker's key is never loaded: a plain-http JWKS URL stops start-up unless
 * {@code insecurePlainHttpJwks} is set (which warns at every start), and over HTTPS an endpoint
 * without a trusted certificate serves nothing. While no key is loaded, every token is refused.
 * Real Gatehouse server over TLS, real JDK HTTP(S) servers for the JWKS.
 */
class PlainHttpJwksTest {
  @TempDir Path dir;
  private final ECKey attackerKey = Tokens.ecKey("attacker");
  private final ECKey issuerKey = Tokens.ecKey("issuer");

  @Test
  void plainHttpJwksWithoutTheOptInStopsStartUpWithAClearMessage() throws Exception {
    int port = freePort();
    // The demo's old shape: ca serve's /jwks.json over http on loopback, down at start-up.
    TransportConfig config = config(TestPki.create(dir, "server"),
        URI.create("http://127.0.0.1:" + port + "/jwks.json"), false);
    assertThatThrownBy(() -> GatehouseAuth.fromConfig(config).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("auth.jwt.jwksUrl")
        .hasMessageContaining("must use https")
        .hasMessageContaining("insecurePlainHttpJwks")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void aLocalAttackerOnTheHttpsJwksPortIsNeverTrustedAndTokensFailClosed() throws Exception {
    int port = freePort();
    TestPki serverPki = TestPki.create(dir, "server");
    TransportConfig config = config(serverPki,
        URI.create("https://127.0.0.1:" + port + "/jwks.json"), false);
    TestPki attackerPki = TestPki.create(dir, "attacker");
    try (TestServer server = TestServer.startSecure(config)) {
      GatehouseAuth auth = server.auth;
      SSLContext client = serverPki.clientContext(null);
      String attackerToken = Tokens.sign(attackerKey, Tokens.good());
      // Endpoint down: no key loaded, every token refused.
      assertInvalidToken(bearer(client, server.port(), attackerToken));

      // The attacker binds the port: HTTPS with its own certificate, serving its own key.
      AtomicInteger tlsConnections = new AtomicInteger();
      HttpsServer https = HttpsServer.create(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
      https.setHttpsConfigurator(new HttpsConfigurator(serverContext(attackerPki)) {
        @Override
        public void configure(HttpsParameters params) {
          tlsConnections.incrementAndGet();
          super.configure(params);
        }
      });
      https.createContext("/jwks.json", exchange -> serve(exchange, attackerKey));
      https.start();
      try {
        Thread.sleep(1_100); // past the refetch rate limit (1 s here)
        assertInvalidToken(bearer(client, server.port(), attackerToken));
        // Polled: a fetch that timed out may leave the attacker's server accepting afterwards.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (tlsConnections.get() == 0 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(tlsConnections.get()).as("the server did try the attacker's endpoint")
            .isGreaterThan(0);
      } finally {
        https.stop(0);
      }
      // Plain http on the same port: the https client cannot be downgraded.
      HttpServer http = HttpServer.create(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
      http.createContext("/jwks.json", exchange -> serve(exchange, attackerKey));
      http.start();
      try {
        Thread.sleep(1_100);
        assertInvalidToken(bearer(client, server.port(), attackerToken));
      } finally {
        http.stop(0);
      }
    }
  }

  @Test
  void theOptInAllowsPlainHttpToLoopbackAndWarnsAtEveryStart() throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/jwks.json", exchange -> serve(exchange, issuerKey));
    http.start();
    TestPki serverPki = TestPki.create(dir, "server");
    try {
      TransportConfig config = config(serverPki, URI.create(
          "http://127.0.0.1:" + http.getAddress().getPort() + "/jwks.json"), true);
      for (int start = 0; start < 2; start++) {
        String log = stderrWhile(() -> {
          try (TestServer server = TestServer.startSecure(config)) {
            GatehouseAuth auth = server.auth;
            RawHttp.Response ok = bearer(serverPki.clientContext(null), server.port(),
                Tokens.sign(issuerKey, Tokens.good()));
            assertThat(ok.status()).isEqualTo(404);
          }
        });
        assertThat(log).as("start %d", start).contains("WARN")
            .contains("insecurePlainHttpJwks is on");
      }
    } finally {
      http.stop(0);
    }
  }

  @Test
  void httpsWithTheConfiguredTrustLoadsTheKeys() throws Exception {
    TestPki issuerPki = TestPki.create(dir, "issuer");
    HttpsServer https = HttpsServer.create(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    https.setHttpsConfigurator(new HttpsConfigurator(serverContext(issuerPki)));
    https.createContext("/jwks.json", exchange -> serve(exchange, issuerKey));
    https.start();
    try (JwtKeys keys = JwtKeys.jwksUrl(URI.create(
            "https://localhost:" + https.getAddress().getPort() + "/jwks.json"))
        .sslContext(issuerPki.clientContext(null)).build();
        JwtAuthenticator jwt = JwtAuthenticator.builder().issuer(Tokens.ISSUER)
            .audience(Tokens.AUDIENCE).keys(keys).cacheTtl(Duration.ZERO).build()) {
      JwtAuthenticatorTest.accepted(jwt, Tokens.sign(issuerKey, Tokens.good()));
      JwtAuthenticatorTest.rejected(jwt, Tokens.sign(attackerKey, Tokens.good()), "");
    } finally {
      https.stop(0);
    }
  }

  // --- helpers

  /** A JWT-only server over TLS (no client certificates) with {@code jwksUrl}. */
  private TransportConfig config(TestPki serverPki, URI jwksUrl, boolean insecurePlainHttp)
      throws IOException {
    Path policy = Files.writeString(dir.resolve("policy.yaml"),
        "roles:\n  viewer:\n    tools: [\"echo\"]\n");
    // Fast refetches (1 s) so the test sees each endpoint the attacker puts up. A fetch that must
    // succeed (the opt-in's) gets the default timeouts: at 500 ms / 1 s the start-up fetch could
    // miss its deadline on a loaded machine and the good token was refused. Every fetch of the
    // attacker test must fail anyway, so short timeouts there only keep it quick.
    JwtConfig.Builder builder = JwtConfig.builder().enabled(true).issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE).jwksUrl(jwksUrl).jwksMinRefetchInterval(Duration.ofSeconds(1));
    if (!insecurePlainHttp) {
      builder.jwksConnectTimeout(Duration.ofMillis(500)).jwksFetchDeadline(Duration.ofSeconds(1));
    }
    JwtConfig jwt = builder.tokenCacheTtl(Duration.ZERO).insecurePlainHttpJwks(insecurePlainHttp)
        .build();
    return TestServer.tlsConfig(serverPki)
        .withAuth(AuthConfig.defaults().withPolicy(policy)
            .withMethods(CertificateConfig.disabled(), jwt, new ApiKeyConfig(false, null))
            .withResource(URI.create(Tokens.AUDIENCE)));
  }

  private static RawHttp.Response bearer(SSLContext tls, int port, String token) throws IOException {
    try (RawHttp raw = RawHttp.connect(tls, port)) {
      return raw.exchange(RawHttp.request("GET", "/nothing",
          Map.of("Authorization", "Bearer " + token), null));
    }
  }

  private static void assertInvalidToken(RawHttp.Response response) {
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate")).startsWith("Bearer error=\"invalid_token\"");
  }

  private static void serve(com.sun.net.httpserver.HttpExchange exchange, ECKey key)
      throws IOException {
    byte[] body = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
    exchange.sendResponseHeaders(200, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  /** A server TLS context with a certificate for localhost/127.0.0.1 from {@code pki}. */
  private static SSLContext serverContext(TestPki pki) throws Exception {
    TestPki.Issued server = pki.server();
    return PemSslContexts.of(List.of(), List.of(server.certificate(), pki.root()), server.key());
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private interface Body {
    void run() throws Exception;
  }

  /** What was written to stderr (slf4j-simple's target) while {@code body} ran. */
  private static String stderrWhile(Body body) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setErr(original);
    }
    String text = captured.toString(StandardCharsets.UTF_8);
    original.print(text);
    return text;
  }
}
