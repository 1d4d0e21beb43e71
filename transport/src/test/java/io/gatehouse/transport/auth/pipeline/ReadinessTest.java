package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import io.gatehouse.transport.auth.jwt.JwtConfig;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.exchange;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /readyz} (issue 11, finding 8) against a real {@code ca serve} that is stopped and
 * started: not ready, with the reason category only, while fail-closed revocation or the JWT keys
 * cannot work; ready again once they can. {@code /healthz} stays liveness throughout.
 */
class ReadinessTest {
  static final String READY = "{\"status\":\"ready\"}";

  @TempDir Path dir;

  @Test
  void revocationOutageUnderFailClosedAndMissingJwtKeysAreNotReadyUntilBack() throws Exception {
    try (RealCa ca = RealCa.start(dir.resolve("ca"))) {
      Path policy = AuthFixture.writePolicy(dir);
      TransportConfig closed = AuthFixture.config(ca, AuthConfig.defaults().withPolicy(policy));
      TransportConfig soft = AuthFixture.config(ca, AuthConfig.defaults().withPolicy(policy)
          .withRevocation(AuthConfig.Revocation.defaults().withMode(AuthConfig.RevocationMode.SOFT_FAIL)));
      try (TestServer closedServer = TestServer.startSecure(closed);
          TestServer softServer = TestServer.startSecure(soft)) {
        SSLContext known = ca.clientContext(ca.client("known", "viewer"));
        // Certificates only: the handshake needs a certificate, but /readyz no authentication.
        assertThat(get(known, closedServer.port(), "/readyz", Map.of()).body()).isEqualTo(READY);
        assertThat(get(known, closedServer.port(), "/x", Map.of()).status()).isEqualTo(404);
        assertThat(get(known, softServer.port(), "/x", Map.of()).status()).isEqualTo(404);

        ca.stopResponder();
        RawHttp.Response down = awaitReadyz(known, closedServer.port(), 503);
        assertThat(down.body()).isEqualTo(
            "{\"status\":\"not_ready\",\"reasons\":[\"revocation_unavailable\"]}");
        assertThat(down.header("Content-Type")).startsWith("application/json");
        assertThat(get(known, closedServer.port(), "/healthz", Map.of()).status()).isEqualTo(200);
        // Soft-fail admits without an answer: still ready.
        assertThat(get(known, softServer.port(), "/readyz", Map.of()).status()).isEqualTo(200);
        assertThat(exchange(known, closedServer.port(), "POST", "/readyz", Map.of(), "").status())
            .isEqualTo(405);

        ca.restartResponder();
        assertThat(awaitReadyz(known, closedServer.port(), 200).body()).isEqualTo(READY);
      }
      jwtKeysThatCannotBeLoadedAreNotReadyUntilTheJwksIsBack(ca);
    }
  }

  /** One CA for both cases (setting one up is the slow part). */
  private void jwtKeysThatCannotBeLoadedAreNotReadyUntilTheJwksIsBack(RealCa ca) throws Exception {
    String jwks = ca.baseUrl() + "/jwks.json";
    ca.stopResponder(); // ca serve also serves the JWKS: down before the server starts
    JwtConfig jwt = JwtConfig.builder().enabled(true).issuer(ca.tokenIssuer())
        .jwksUrl(URI.create(jwks)).jwksMinRefetchInterval(Duration.ofSeconds(1))
        .insecurePlainHttpJwks(true) // ca serve's plain-http JWKS on loopback: the named test-only opt-in
        .build();
    TransportConfig config = AuthFixture.config(ca, AuthConfig.defaults()
        .withPolicy(AuthFixture.writePolicy(dir))
        .withMethods(CertificateConfig.disabled(), jwt, new ApiKeyConfig(false, null)));
    try (TestServer server = TestServer.startSecure(config)) {
      GatehouseAuth auth = server.auth;
      SSLContext anonymous = ca.clientContext(null);
      RawHttp.Response down = awaitReadyz(anonymous, server.port(), 503);
      assertThat(down.body()).isEqualTo(
          "{\"status\":\"not_ready\",\"reasons\":[\"jwt_keys_unavailable\"]}");
      assertThat(get(anonymous, server.port(), "/healthz", Map.of()).status()).isEqualTo(200);

      ca.restartResponder();
      assertThat(awaitReadyz(anonymous, server.port(), 200).body()).isEqualTo(READY);
    }
  }

  /** Polls until {@code /readyz} answers {@code status} (probes run at most once a second). */
  static RawHttp.Response awaitReadyz(SSLContext tls, int port, int status) throws Exception {
    RawHttp.Response last = null;
    for (long end = System.nanoTime() + Duration.ofSeconds(20).toNanos(); System.nanoTime() < end; ) {
      last = get(tls, port, "/readyz", Map.of());
      if (last.status() == status) {
        return last;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("/readyz never answered " + status + "; last: " + last);
  }
}
