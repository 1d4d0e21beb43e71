package io.gatehouse.transport.auth.jwt;

import static io.gatehouse.transport.auth.jwt.JwtAuthenticatorTest.accepted;
import static io.gatehouse.transport.auth.jwt.JwtAuthenticatorTest.rejected;
import static io.gatehouse.transport.auth.jwt.Tokens.good;
import static io.gatehouse.transport.auth.jwt.Tokens.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** JWKS fetched over real HTTP from a JDK server on loopback, counting every fetch. */
class JwksUrlTest {
  private final ECKey k1 = Tokens.ecKey("k1");
  private final ECKey k2 = Tokens.ecKey("k2");
  private final AtomicInteger fetches = new AtomicInteger();
  private final AtomicReference<String> body = new AtomicReference<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private HttpServer server;

  @BeforeEach
  void start() throws IOException {
    body.set(new JWKSet(k1.toPublicJWK()).toString());
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newFixedThreadPool(2));
    server.createContext("/jwks.json", exchange -> {
      fetches.incrementAndGet();
      byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
      exchange.sendResponseHeaders(status.get(), bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.createContext("/slow", exchange -> {
      try {
        Thread.sleep(3_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  /** Plain http to loopback: the opt-in, so these tests exercise caching, not transport. */
  private static JwtKeys.JwksUrlBuilder plainHttp(URI url) {
    return JwtKeys.jwksUrl(url).insecurePlainHttp(true);
  }

  private JwtAuthenticator authenticator(JwtKeys keys) {
    return JwtAuthenticator.builder().issuer(Tokens.ISSUER).audience(Tokens.AUDIENCE).keys(keys)
        .cacheTtl(Duration.ZERO).build();
  }

  @Test
  void cachesRefetchesOnRotationAndRateLimitsUnknownKidFloods() throws Exception {
    try (JwtAuthenticator jwt = authenticator(plainHttp(url("/jwks.json"))
        .minRefetchInterval(Duration.ofMinutes(1)).cacheTtl(Duration.ofMinutes(10)).build())) {
      assertThat(fetches.get()).as("fetched once when built").isEqualTo(1);
      for (int i = 0; i < 20; i++) {
        accepted(jwt, sign(k1, good()));
      }
      assertThat(fetches.get()).as("served from cache").isEqualTo(1);

      body.set(new JWKSet(List.of(k1.toPublicJWK(), k2.toPublicJWK())).toString());
      accepted(jwt, sign(k2, good()));
      assertThat(fetches.get()).as("unknown kid triggers one refetch").isEqualTo(2);

      for (int i = 0; i < 200; i++) {
        ECKey random = Tokens.ecKey("flood-" + i);
        String reason = JwtAuthenticatorTest.reason(
            jwt.authenticate(JwtAuthenticatorTest.bearer(sign(random, good()), null)));
        assertThat(reason).containsAnyOf("no key for kid", "signing keys unavailable");
      }
      assertThat(fetches.get()).as("a flood of unknown kids is rate limited").isLessThanOrEqualTo(3);
      accepted(jwt, sign(k1, good()));
      accepted(jwt, sign(k2, good()));
    }
  }

  @Test
  void refreshesAheadOfExpiryWithoutTraffic() throws Exception {
    // The shortest cache TTL auth.jwt.jwksCacheTtl allows. The background refresh is scheduled at
    // TTL - refresh-ahead - (connect timeout + fetch deadline) = 10 - 6 - 2 = 2 s after the fetch.
    // The fetch gets 0.5 s + 1.5 s: at 200 ms + 400 ms a fetch on a loaded machine (the JVM's
    // first HttpClient use among them) missed its deadline.
    try (JwtKeys keys = plainHttp(url("/jwks.json")).cacheTtl(Duration.ofSeconds(10))
        .refreshAhead(Duration.ofSeconds(6)).minRefetchInterval(Duration.ofSeconds(1))
        .connectTimeout(Duration.ofMillis(500)).fetchDeadline(Duration.ofMillis(1_500)).build()) {
      assertThat(fetches.get()).isEqualTo(1);
      body.set(new JWKSet(List.of(k1.toPublicJWK(), k2.toPublicJWK())).toString());
      for (int i = 0; i < 400 && fetches.get() < 2; i++) {
        Thread.sleep(50);
      }
      assertThat(fetches.get()).as("background refresh").isGreaterThanOrEqualTo(2);
      int before = fetches.get();
      accepted(authenticator(keys), sign(k2, good()));
      assertThat(fetches.get() - before).as("k2 came with the background refresh").isLessThanOrEqualTo(1);
    }
  }

  @Test
  void failsClosedWhenTheEndpointFailsOrStalls() throws Exception {
    status.set(500);
    try (JwtAuthenticator jwt = authenticator(plainHttp(url("/jwks.json")).build())) {
      rejected(jwt, sign(k1, good()), "signing keys unavailable");
    }
    status.set(200);
    body.set("not json");
    try (JwtAuthenticator jwt = authenticator(plainHttp(url("/jwks.json")).build())) {
      rejected(jwt, sign(k1, good()), "signing keys unavailable");
    }
    try (JwtAuthenticator jwt = authenticator(plainHttp(url("/slow"))
        .fetchDeadline(Duration.ofMillis(300)).build())) {
      rejected(jwt, sign(k1, good()), "signing keys unavailable");
    }
  }

  @Test
  void refusesPlainHttpBeyondLoopbackAndHmacFromUrls() throws Exception {
    assertThatThrownBy(() -> JwtKeys.jwksUrl(URI.create("http://issuer.example/jwks.json")).build())
        .hasMessageContaining("https");
    // Even with the opt-in, plain http goes to loopback only.
    assertThatThrownBy(() -> plainHttp(URI.create("http://issuer.example/jwks.json")).build())
        .hasMessageContaining("loopback");
    // Without it, not even to loopback.
    assertThatThrownBy(() -> JwtKeys.jwksUrl(url("/jwks.json")).build())
        .hasMessageContaining("must use https").hasMessageContaining("insecurePlainHttpJwks");
    try (JwtKeys keys = plainHttp(url("/jwks.json")).build()) {
      assertThatThrownBy(() -> JwtAuthenticator.builder().issuer(Tokens.ISSUER)
              .audience(Tokens.AUDIENCE).keys(keys).algorithms(List.of("HS256")).build())
          .hasMessageContaining("HMAC");
    }
  }
}
