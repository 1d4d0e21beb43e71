package io.gatehouse.ca.est;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.KeyType;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EST rate limits per provisioner and per source; the HTTPS listener renewing its own certificate. */
class EstRateLimitAndHttpsRenewalTest {
  @TempDir Path dir;

  static HttpResponse<String> post(EstFixture fixture, String token, byte[] body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(fixture.est() + "simpleenroll"))
        .header("Content-Type", "application/pkcs10").header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return HttpClient.newBuilder().sslContext(fixture.tls(null)).build()
        .send(request, HttpResponse.BodyHandlers.ofString());
  }

  static byte[] csr(String name) throws Exception {
    return Base64.getMimeEncoder().encode(EstFixture.csr(name, KeyType.EC_P256.generate()).getEncoded());
  }

  @Test
  void enrollmentIsRateLimitedPerProvisionerAndPerSource() throws Exception {
    try (EstFixture fixture = new EstFixture(dir, new EstService.Limits(4, 2))) {
      fixture.ok("provisioner", "add", "--name", "agents", "--role", "viewer");
      for (String name : new String[] {"a1", "a2"}) {
        assertThat(post(fixture, fixture.token("--provisioner", "agents", "--name", name), csr(name)).statusCode())
            .isEqualTo(200);
      }
      String third = fixture.token("--provisioner", "agents", "--name", "a3");
      HttpResponse<String> limited = post(fixture, third, csr("a3"));
      assertThat(limited.statusCode()).isEqualTo(429);
      assertThat(limited.body()).contains("rate limit for provisioner agents");
      assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(
          seconds -> assertThat(Integer.parseInt(seconds)).isBetween(1, 60));

      // Fourth request from this source passes the source bucket (and fails on its own merits) ...
      assertThat(post(fixture, third, "garbage".getBytes(StandardCharsets.US_ASCII)).statusCode()).isEqualTo(400);
      // ... the fifth is over the per-source limit, before any token or CSR is looked at.
      HttpResponse<String> source = post(fixture, third, csr("a3"));
      assertThat(source.statusCode()).isEqualTo(429);
      assertThat(source.body()).contains("rate limit for source 127.0.0.1");
    }
  }

  /** A clock tests can move forward. */
  static final class MovableClock extends Clock {
    final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

    @Override
    public Instant instant() {
      return Instant.now().plus(offset.get());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @Test
  void theHttpsListenerRenewsItsOwnCertificateAndNewConnectionsGetIt() throws Exception {
    MovableClock clock = new MovableClock();
    try (EstFixture fixture = new EstFixture(dir, EstService.Limits.defaults(), clock)) {
      X509Certificate first = served(fixture);
      assertThat(first).isEqualTo(fixture.service.httpsCertificate());
      assertThat(first.getSubjectAlternativeNames()).isNotEmpty();
      fixture.root.verify(fixture.root.getPublicKey());

      clock.offset.set(Duration.ofDays(6));   // past two thirds of the 7-day self-issued lifetime
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (fixture.service.httpsCertificate().getSerialNumber().equals(first.getSerialNumber())
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      BigInteger renewed = fixture.service.httpsCertificate().getSerialNumber();
      assertThat(renewed).isNotEqualTo(first.getSerialNumber());
      // Its validity starts 6 days from the real now, so a real client would refuse it today: read
      // what a new connection is served without judging it.
      assertThat(servedUnverified(fixture).getSerialNumber()).isEqualTo(renewed);
      assertThat(fixture.ca.store().find(renewed)).isPresent();
    }
  }

  static X509Certificate servedUnverified(EstFixture fixture) throws Exception {
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", fixture.port())) {
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  /** The leaf a new TLS connection to the HTTPS listener is served (validated against the root). */
  static X509Certificate served(EstFixture fixture) throws Exception {
    try (SSLSocket socket = (SSLSocket) fixture.tls(null).getSocketFactory().createSocket("localhost", fixture.port())) {
      var parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      socket.setSSLParameters(parameters);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }
}
