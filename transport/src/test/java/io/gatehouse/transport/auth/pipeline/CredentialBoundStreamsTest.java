package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.RESOURCE;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.ca.authority.CaConfig;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.ca.token.TokenMinter;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.auth.apikey.CreatedKey;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Open streams and kept-alive connections end with the credential that opened them (issue 11,
 * finding 3): a listening GET stream of a certificate revoked with {@code ca revoke} (real OCSP
 * responder, 1 s cache bound here), of a JWT at {@code exp} + clock skew, and of an API key
 * revoked in the key file. A notification sent once the bound has passed does not arrive, while a
 * control stream of another principal receives it; the refused credential's session is closed.
 * All over real TLS with a raw HTTP client.
 */
class CredentialBoundStreamsTest {
  /** The revocation cache bound of this server. */
  static final Duration CACHE_BOUND = Duration.ofSeconds(1);
  /** Cache bound + re-check period + OCSP round trip + a loaded 2-core machine. */
  static final Duration CLOSE_WITHIN = Duration.ofSeconds(8);

  @TempDir static Path dir;
  static RealCa ca;
  static ApiKeyStore keys;
  static CreatedKey streamKey;
  static GatehouseAuth auth;
  static TestServer server;
  static SSLContext noCertificate;
  static RealCa.Identity control;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    keys = ApiKeyStore.open(dir.resolve("apikeys.json"));
    streamKey = keys.create("stream-bot", List.of("viewer"));
    AuthConfig authConfig = AuthFixture.allMethods(dir, ca, keys, dir.resolve("audit.log"))
        .withRevocation(AuthConfig.Revocation.defaults().withMaxCacheTtl(CACHE_BOUND));
    TransportConfig config = AuthFixture.config(ca, authConfig);
    server = TestServer.startSecure(config);
    auth = server.auth;
    noCertificate = ca.clientContext(null);
    control = ca.client("control", "viewer");
  }

  @AfterAll
  static void stop() {
    server.close();
    auth.close();
    ca.close();
  }

  @Test
  void aRevokedCertificateLosesItsStreamKeptAliveConnectionAndSession() throws Exception {
    RealCa.Identity dave = ca.client("dave", "viewer");
    SSLContext tls = ca.clientContext(dave);
    String session = initialize(tls, Map.of());
    try (RawHttp listening = listen(tls, session, Map.of());
        RawHttp keptAlive = RawHttp.connect(tls, server.port());
        Listener other = Listener.open(ca.clientContext(control), Map.of())) {
      assertThat(keptAlive.exchange(RawHttp.request("GET", "/nothing", Map.of(), null)).status())
          .isEqualTo(404);
      notifyAll("before revocation");
      assertThat(listening.readEvent()).contains("before revocation");
      assertThat(other.stream.readEvent()).contains("before revocation");

      ca.revoke(dave);
      long revoked = System.nanoTime();
      String tail = listening.readUntilClosed(CLOSE_WITHIN.toMillis());
      assertThat(tail).as("listening stream closed within %s of ca revoke", CLOSE_WITHIN)
          .isNotNull();
      assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(CLOSE_WITHIN);
      // The idle kept-alive connection is closed too: there is no next request on it.
      assertThat(keptAlive.closedByPeer((int) CLOSE_WITHIN.toMillis())).isTrue();
      assertThat(eventually(CLOSE_WITHIN, () -> !sessionOpen(session))).isTrue();

      notifyAll("after revocation");
      assertThat(other.stream.readEvent()).contains("after revocation");
      assertThat(tail).doesNotContain("after revocation");
      // And a new connection is refused by the revocation stage.
      assertThat(AuthFixture.get(tls, server.port(), "/nothing", Map.of()).status())
          .isEqualTo(401);
    }
  }

  @Test
  void aJwtStreamIsClosedAtExpPlusTheClockSkew() throws Exception {
    CaConfig caConfig = ca.authority().config();
    TokenMinter minter = new TokenMinter(JwtSigningKey.loadOrCreate(ca.authority().layout(),
        caConfig, RealCa.PASSPHRASE.toCharArray()), caConfig);
    // JWKS fetched before the clock starts.
    assertThat(AuthFixture.get(noCertificate, server.port(), "/nothing", Map.of("Authorization",
        "Bearer " + ca.token("jwt-warm-up", RESOURCE, "viewer"))).status()).isEqualTo(404);
    // Expired 50 s ago, so only the 60 s default skew admits it: about 10 s left.
    String token = minter.mint("jwt-stream", List.of("viewer"), TokenMinter.MIN_TTL, RESOURCE,
        null, Instant.now().minus(TokenMinter.MIN_TTL).minusSeconds(50));
    Instant validUntil = SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().toInstant()
        .plus(Duration.ofSeconds(60));
    Map<String, String> bearer = Map.of("Authorization", "Bearer " + token);
    String session = initialize(noCertificate, bearer);
    try (RawHttp listening = listen(noCertificate, session, bearer)) {
      notifyAll("while the token is good");
      assertThat(listening.readEvent()).contains("while the token is good");
      String tail = listening.readUntilClosed(
          Duration.between(Instant.now(), validUntil).plusSeconds(3).toMillis());
      Instant closed = Instant.now();
      assertThat(tail).as("stream closed by exp + skew").isNotNull();
      assertThat(closed).isAfterOrEqualTo(validUntil.minusMillis(100))
          .isBefore(validUntil.plusSeconds(3));
    }
    // An expired token's session is kept for the same principal's next token (no refusal).
    assertThat(sessionOpen(session)).isTrue();
  }

  @Test
  void anApiKeyStreamIsClosedWhenTheKeyIsRevoked() throws Exception {
    Map<String, String> key = Map.of("X-API-Key", streamKey.key());
    String session = initialize(noCertificate, key);
    try (RawHttp listening = listen(noCertificate, session, key);
        RawHttp keptAlive = RawHttp.connect(noCertificate, server.port());
        Listener other = Listener.open(ca.clientContext(control), Map.of())) {
      assertThat(keptAlive.exchange(RawHttp.request("GET", "/nothing", key, null)).status())
          .isEqualTo(404);
      notifyAll("key good");
      assertThat(listening.readEvent()).contains("key good");
      assertThat(other.stream.readEvent()).contains("key good");

      keys.revoke(streamKey.record().id());
      long revoked = System.nanoTime();
      String tail = listening.readUntilClosed(CLOSE_WITHIN.toMillis());
      assertThat(tail).as("stream closed after apikey revoke").isNotNull();
      assertThat(Duration.ofNanos(System.nanoTime() - revoked)).isLessThan(CLOSE_WITHIN);
      assertThat(keptAlive.closedByPeer((int) CLOSE_WITHIN.toMillis())).isTrue();
      assertThat(eventually(CLOSE_WITHIN, () -> !sessionOpen(session))).isTrue();

      notifyAll("key revoked");
      assertThat(other.stream.readEvent()).contains("key revoked");
      assertThat(tail).doesNotContain("key revoked");
      assertThat(AuthFixture.get(noCertificate, server.port(), "/nothing", key).status())
          .isEqualTo(401);
    }
  }

  /** A control principal's session with its listening stream. */
  record Listener(String session, RawHttp stream) implements AutoCloseable {
    static Listener open(SSLContext tls, Map<String, String> credentials) throws Exception {
      String session = initialize(tls, credentials);
      return new Listener(session, listen(tls, session, credentials));
    }

    @Override
    public void close() throws Exception {
      stream.close();
    }
  }

  static void notifyAll(String text) {
    server.transport.notifyClients("notifications/message", Map.of("level", "info", "data", text))
        .block(Duration.ofSeconds(10));
  }

  /** True while the server still holds {@code session}. */
  static boolean sessionOpen(String session) {
    try {
      server.transport.notifyClient(session, "notifications/message",
          Map.of("level", "debug", "data", "probe")).block(Duration.ofSeconds(10));
      return true;
    } catch (IllegalArgumentException noSuchSession) {
      return false;
    } catch (IllegalStateException noListeningStream) {
      return true; // the SDK session is there, without a stream to carry the probe
    }
  }

  static String initialize(SSLContext tls, Map<String, String> credentials) throws Exception {
    Map<String, String> headers = new LinkedHashMap<>(RawHttp.mcpHeaders(null));
    headers.putAll(credentials);
    RawHttp.Response init = AuthFixture.exchange(tls, server.port(), "POST", "/mcp", headers,
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
            + "\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}");
    assertThat(init.status()).isEqualTo(200);
    String session = init.header("Mcp-Session-Id");
    headers.put("Mcp-Session-Id", session);
    assertThat(AuthFixture.exchange(tls, server.port(), "POST", "/mcp", headers,
        "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}").status()).isEqualTo(202);
    return session;
  }

  static RawHttp listen(SSLContext tls, String session, Map<String, String> credentials)
      throws Exception {
    Map<String, String> headers = new LinkedHashMap<>(credentials);
    headers.put("Accept", "text/event-stream");
    headers.put("Mcp-Session-Id", session);
    RawHttp stream = RawHttp.connect(tls, server.port());
    assertThat(stream.send(RawHttp.request("GET", "/mcp", headers, null)).readHead().status())
        .isEqualTo(200);
    return stream;
  }
}
