package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.RESOURCE;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.auditContaining;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.auth.apikey.CreatedKey;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11, finding 4: lockout must not be a denial of service. Real servers on real TLS sockets,
 * real tokens from {@code gatehouse token}, real API keys, a real OCSP responder that goes away,
 * and PROXY protocol v2 headers written byte by byte. Each server here has a strict lockout
 * (2-3 failures per identity, a small per-source cap) so that the old behaviour would show.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LockoutUnderFloodTest {
  @TempDir static Path dir;
  static RealCa ca;
  static ApiKeyStore keys;
  static CreatedKey keyA;
  static CreatedKey keyB;
  static SSLContext noCertificate;
  static RealCa.Identity alice;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    keys = ApiKeyStore.open(dir.resolve("apikeys.json"));
    keyA = keys.create("key-a", List.of("viewer"));
    keyB = keys.create("key-b", List.of("viewer"));
    noCertificate = ca.clientContext(null);
    alice = ca.client("alice", "viewer");
  }

  @AfterAll
  static void stop() {
    ca.close();
  }

  /** Every method on, with {@code maxFailures} per identity and {@code perSource} per source. */
  private static TransportConfig config(String name, int maxFailures, int perSource)
      throws IOException {
    AuthConfig auth = AuthFixture.allMethods(dir, ca, keys, dir.resolve(name + ".log"))
        .withLockout(new AuthConfig.Lockout(maxFailures, Duration.ofMinutes(1),
            Duration.ofMinutes(2), null, perSource));
    return AuthFixture.config(ca, auth);
  }

  private static int status(SSLContext tls, int port, Map<String, String> headers) throws IOException {
    return get(tls, port, "/nothing", headers).status();
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  /** {@code token} with its payload's {@code sub} replaced: the signature no longer matches. */
  private static String forgedFor(String token, String sub) {
    String[] parts = token.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
        .replaceFirst("\"sub\":\"[^\"]*\"", "\"sub\":\"" + sub + "\"");
    return parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
  }

  /** A well-formed API key naming {@code key}'s id with a wrong secret. */
  private static String wrongSecret(CreatedKey key) {
    return "gh_" + key.record().id() + "_" + "A".repeat(43);
  }

  @Test
  void anonymousRequestsNeverCountTowardsLockout() throws Exception {
    TransportConfig config = config("anonymous", 2, 2);
    try (TestServer server = TestServer.startSecure(config)) {
      GatehouseAuth auth = server.auth;
      for (int i = 0; i < 15; i++) {
        assertThat(status(noCertificate, server.port(), Map.of())).as("anonymous #" + i).isEqualTo(401);
      }
      assertThat(status(noCertificate, server.port(), Map.of("X-API-Key", keyA.key()))).isEqualTo(404);
      assertThat(status(ca.clientContext(alice), server.port(), Map.of())).isEqualTo(404);
    }
  }

  @Test
  void anOpenMtlsConnectionAndFreshCertificatesSurviveATokenFloodFromTheSameAddress()
      throws Exception {
    TransportConfig config = config("flood", 3, 5);
    String real = ca.token("mallory", RESOURCE, "viewer");
    try (TestServer server = TestServer.startSecure(config);
        RawHttp open = RawHttp.connect(ca.clientContext(alice), server.port())) {
      GatehouseAuth auth = server.auth;
      String get = RawHttp.request("GET", "/nothing", Map.of(), null);
      assertThat(open.exchange(get).status()).isEqualTo(404);

      List<Integer> flood = new ArrayList<>();
      RawHttp.Response shed = null;
      for (int i = 0; i < 20; i++) {
        RawHttp.Response r = get(noCertificate, server.port(), "/nothing",
            bearer(forgedFor(real, "user" + i)));
        flood.add(r.status());
        if (r.status() == 429) {
          shed = r;
        }
      }
      // Five refused credentials (one per identity) reach the per-source cap: the rest is shed.
      assertThat(flood.subList(0, 5)).containsOnly(401);
      assertThat(flood.subList(5, 20)).containsOnly(429);
      assertThat(Long.parseLong(shed.header("Retry-After"))).isBetween(1L, 120L);

      // The connection that authenticated before keeps working: its principal is on the session.
      for (int i = 0; i < 3; i++) {
        assertThat(open.exchange(get).status()).isEqualTo(404);
      }
      // A valid certificate on a fresh connection is exempt from the per-source cap ...
      assertThat(status(ca.clientContext(alice), server.port(), Map.of())).isEqualTo(404);
      // ... while credentials anyone can try (tokens, API keys) from the shed address wait.
      assertThat(status(noCertificate, server.port(), Map.of("X-API-Key", keyA.key()))).isEqualTo(429);
      assertThat(auditContaining(dir.resolve("flood.log"), "source over its cap"))
          .containsPattern("\"reason\":\"source over its cap of refused credentials\","
              + "\"remote\":\"127.0.0.1\",\"count\":\\d+");
    }
  }

  @Test
  void refusedCredentialsForOneIdentityDoNotLockAnotherFromTheSameSource() throws Exception {
    TransportConfig config = config("identity", 3, 100);
    String tokenX = ca.token("xavier", RESOURCE, "viewer");
    String tokenY = ca.token("yvonne", RESOURCE, "viewer");
    String[] parts = tokenX.split("\\.");
    char c = parts[2].charAt(10);
    String badX = parts[0] + "." + parts[1] + "." + parts[2].substring(0, 10) + (c == 'A' ? 'B' : 'A')
        + parts[2].substring(11);
    try (TestServer server = TestServer.startSecure(config)) {
      GatehouseAuth auth = server.auth;
      for (int i = 0; i < 3; i++) {
        assertThat(status(noCertificate, server.port(), bearer(badX))).isEqualTo(401);
        assertThat(status(noCertificate, server.port(), Map.of("X-API-Key", wrongSecret(keyA))))
            .isEqualTo(401);
      }
      // X and key A are locked from here, even with their real credentials ...
      assertThat(status(noCertificate, server.port(), bearer(tokenX))).isEqualTo(429);
      assertThat(status(noCertificate, server.port(), Map.of("X-API-Key", keyA.key()))).isEqualTo(429);
      // ... Y and key B are not.
      assertThat(status(noCertificate, server.port(), bearer(tokenY))).isEqualTo(404);
      assertThat(status(noCertificate, server.port(), Map.of("X-API-Key", keyB.key()))).isEqualTo(404);
      assertThat(auditContaining(dir.resolve("identity.log"), "identity locked out"))
          .contains("\"reason\":\"signature invalid\",\"remote\":\"127.0.0.1\",\"count\":");
    }
  }

  /** Last: it stops the shared CA's responder (and its JWKS endpoint). */
  @Test
  @Order(Integer.MAX_VALUE)
  void revocationStatusUnavailableNeverCounts() throws Exception {
    TransportConfig config = config("outage", 2, 3); // revocation fail-closed
    try (TestServer server = TestServer.startSecure(config)) {
      GatehouseAuth gate = server.auth;
      ca.stopResponder();
      RealCa.Identity fresh = ca.client("fresh", "viewer");
      for (int i = 0; i < 8; i++) {
        // Refused (fail-closed), but it is the responder's fault, not the certificate's.
        assertThat(status(ca.clientContext(fresh), server.port(), Map.of())).isEqualTo(401);
      }
      assertThat(status(noCertificate, server.port(), Map.of("X-API-Key", keyA.key())))
          .isEqualTo(404);
    }
  }

  /** A PROXY protocol v2 header (PROXY command, TCP over IPv4) claiming {@code client}:port. */
  static byte[] proxyV2(String client, int clientPort, int serverPort) {
    ByteBuffer b = ByteBuffer.allocate(16 + 12);
    b.put(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A});
    b.put((byte) 0x21); // version 2, command PROXY
    b.put((byte) 0x11); // AF_INET, STREAM
    b.putShort((short) 12);
    for (String octet : client.split("\\.")) {
      b.put((byte) Integer.parseInt(octet));
    }
    b.put(new byte[] {127, 0, 0, 1});
    b.putShort((short) clientPort);
    b.putShort((short) serverPort);
    return b.array();
  }

  @Test
  void aTrustedProxysHeaderSetsTheSourceForLockoutAndAudit() throws Exception {
    TransportConfig config = config("proxied", 2, 100)
        .withProxyProtocol(new TransportConfig.ProxyProtocol(List.of("127.0.0.0/8")));
    String badX = forgedFor(ca.token("xavier", RESOURCE, "viewer"), "xavier");
    String get = RawHttp.request("GET", "/nothing", bearer(badX), null);
    try (TestServer server = TestServer.startSecure(config)) {
      GatehouseAuth auth = server.auth;
      int port = server.port();
      for (int i = 0; i < 2; i++) {
        try (RawHttp r = RawHttp.connectWithPreamble(noCertificate, port, proxyV2("203.0.113.7", 40000 + i, port))) {
          assertThat(r.exchange(get).status()).isEqualTo(401);
        }
      }
      try (RawHttp r = RawHttp.connectWithPreamble(noCertificate, port, proxyV2("203.0.113.7", 40002, port))) {
        assertThat(r.exchange(get).status()).isEqualTo(429); // locked for 203.0.113.7 ...
      }
      try (RawHttp r = RawHttp.connectWithPreamble(noCertificate, port, proxyV2("203.0.113.8", 40003, port))) {
        assertThat(r.exchange(get).status()).isEqualTo(401); // ... not for its neighbour
      }
      try (RawHttp r = RawHttp.connectWithPreamble(ca.clientContext(alice), port,
          proxyV2("198.51.100.20", 40004, port))) {
        assertThat(r.exchange(RawHttp.request("GET", "/nothing", Map.of(), null)).status()).isEqualTo(404);
      }
      String audit = auditContaining(dir.resolve("proxied.log"), "198.51.100.20");
      assertThat(audit).containsPattern("\"decision\":\"allow\",\"principal\":\"spiffe://[^\"]+/alice\""
          + ".*\"remote\":\"198.51.100.20\"");
      assertThat(auditContaining(dir.resolve("proxied.log"), "\"remote\":\"203.0.113.8\""))
          .contains("\"reason\":\"signature invalid\",\"remote\":\"203.0.113.7\",\"count\":")
          .doesNotContain("\"remote\":\"127.0.0.1\"");
      // A trusted proxy must send the header: without it the connection is closed.
      assertThatThrownBy(() -> get(noCertificate, port, "/nothing", Map.of()))
          .isInstanceOf(IOException.class);
    }
  }

  @Test
  void aProxyHeaderFromAnUntrustedAddressIsRefused() throws Exception {
    TransportConfig config = config("untrusted", 2, 100)
        .withProxyProtocol(new TransportConfig.ProxyProtocol(List.of("192.0.2.0/24", "2001:db8::/32")));
    try (TestServer server = TestServer.startSecure(config)) {
      GatehouseAuth auth = server.auth;
      int port = server.port();
      for (byte[] header : List.of(proxyV2("10.9.8.7", 1234, port),
          "PROXY TCP4 10.9.8.7 127.0.0.1 1234 443\r\n".getBytes(StandardCharsets.US_ASCII))) {
        assertThatThrownBy(() -> RawHttp.connectWithPreamble(ca.clientContext(alice), port, header))
            .isInstanceOf(IOException.class);
        try (RawHttp raw = RawHttp.connectWithPreamble(null, port, header)) {
          assertThat(raw.closedByPeer(5_000)).isTrue();
        }
      }
      // Without a header, this address is served directly as itself.
      assertThat(status(ca.clientContext(alice), port, Map.of())).isEqualTo(404);
      assertThat(auditContaining(dir.resolve("untrusted.log"), "\"decision\":\"allow\""))
          .contains("\"remote\":\"127.0.0.1\"").doesNotContain("10.9.8.7");
    }
  }
}
