package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.pki.identity.RolesExtension;
import io.gatehouse.testing.TestCerts;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attack matrix, TLS family, against the real pipeline in REQUIRE mode (certificates only) with
 * certificates from the real CA. Cases already proven elsewhere are not repeated: no certificate,
 * expired, not yet valid, wrong CA, no/serverAuth-only EKU ({@link CertificatePipelineTest});
 * revoked serial ({@link CertificatePipelineTest}); TLS 1.0/1.1/SSLv3 and weak suites refused by
 * openssl s_client ({@code TlsPolicyTest}). Every case here ends with a good client being served.
 */
class TlsAttackTest {
  @TempDir static Path dir;
  static RealCa ca;
  static TestServer server;
  static GatehouseAuth auth;
  static SimpleMeterRegistry meters = new SimpleMeterRegistry();
  static Path audit;
  static RealCa.Identity alice;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    audit = dir.resolve("audit.log");
    AuthConfig authConfig = AuthConfig.defaults()
        .withPolicy(AuthFixture.writePolicy(dir))
        .withLockout(AuthFixture.lenientLockout())
        .withAudit(AuthConfig.Audit.toFile(audit));
    TransportConfig config = AuthFixture.config(ca, authConfig);
    config = config.withLimits(config.limits().withRequestReadTimeout(Duration.ofSeconds(2)));
    server = TestServer.startSecure(config, meters, null);
    auth = server.auth;
    alice = ca.client("alice", "viewer");
  }

  @AfterAll
  static void stop() {
    server.close();
    auth.close();
    ca.close();
  }

  @Test
  void roleExtensionForgedByAnotherKeyUnderOurIssuerNameIsRefused() throws Exception {
    // alice's certificate, re-made with role admin and signed by a key that is not the CA's, but
    // naming our intermediate as issuer (same issuer DN, same AKI): only the signature differs.
    X509CertificateHolder real = new JcaX509CertificateHolder(alice.certificate());
    KeyPair rogue = ecKeys();
    TestCerts forged = TestCerts.issuedBy(real.getIssuer(), rogue.getPrivate())
        .serial(real.getSerialNumber())
        .validity(real.getNotBefore().toInstant(), real.getNotAfter().toInstant())
        .subject(real.getSubject()).publicKey(alice.certificate().getPublicKey());
    for (Object oid : real.getExtensionOIDs()) {
      Extension e = real.getExtension((org.bouncycastle.asn1.ASN1ObjectIdentifier) oid);
      forged.extension(e.getExtnId().equals(RolesExtension.ASN1_OID)
          ? RolesExtension.toExtension(List.of("admin")) : e);
    }
    X509Certificate forgedCert = forged.build();
    assertRefusedThenServed(
        ca.clientContextPresenting(List.of(forgedCert, ca.issuerKey().certificate()), alice.key()),
        "untrusted");
  }

  @Test
  void selfSignedClientCertificateIsRefused() throws Exception {
    KeyPair keys = ecKeys();
    Instant now = Instant.now();
    X509Certificate self = TestCerts.selfSigned("CN=alice", keys).serial(BigInteger.TEN)
        .validity(now.minusSeconds(60), now.plusSeconds(3600))
        .extension(RolesExtension.toExtension(List.of("admin"))).build();
    assertRefusedThenServed(ca.clientContextPresenting(List.of(self), keys.getPrivate()), "untrusted");
  }

  @Test
  void aCaCertificateUsedAsAClientIsRefused() throws Exception {
    // Signed by the real issuing key, clientAuth EKU, SPIFFE ID and roles: only CA:true is wrong.
    KeyPair keys = ecKeys();
    IssuerKey issuer = ca.issuerKey();
    X509CertificateHolder template = new JcaX509CertificateHolder(alice.certificate());
    TestCerts b = TestCerts.issuedBy(issuer.subject(), null).subject("CN=subca").keys(keys)
        .validity(Instant.now().minusSeconds(60), Instant.now().plusSeconds(3600))
        .extension(Extension.basicConstraints, true, new BasicConstraints(true));
    for (var oid : List.of(Extension.extendedKeyUsage, Extension.subjectAlternativeName,
        Extension.authorityKeyIdentifier, RolesExtension.ASN1_OID)) {
      b.extension(template.getExtension(oid));
    }
    X509Certificate subCa = issuer.sign(b.template());
    SSLContext tls =
        ca.clientContextPresenting(List.of(subCa, issuer.certificate()), keys.getPrivate());
    // Refused at the handshake (the trust manager) or with 401 (the authenticator): never served.
    boolean handshakeRefused;
    try (RawHttp raw = RawHttp.connect(tls, server.port())) {
      RawHttp.Response response = raw.exchange(RawHttp.request("GET", "/nothing", Map.of(), null));
      assertThat(response.status()).isEqualTo(401);
      handshakeRefused = false;
    } catch (IOException e) {
      handshakeRefused = true;
    }
    if (!handshakeRefused) {
      assertThat(AuthFixture.auditContaining(audit, "certificate is a CA certificate"))
          .contains("\"decision\":\"deny\",\"method\":\"certificate\",\"reason\":\"certificate is a CA certificate\"");
    }
    assertServed();
  }

  @Test
  void aClientStallingMidHandshakeIsDroppedWhileOthersAreServed() throws Exception {
    try (Socket stalled = new Socket()) {
      stalled.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
      OutputStream out = stalled.getOutputStream();
      // A TLS record header announcing a 512-byte ClientHello, then silence.
      out.write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00});
      out.flush();
      assertServed();
      stalled.setSoTimeout(30_000);
      InputStream in = stalled.getInputStream();
      // The server closes at the handshake timeout (2 s here): end of stream or a reset.
      assertThat(readUntilClosed(in)).isTrue();
    }
    assertThat(eventually(Duration.ofSeconds(30), () -> handshakeFailures("timeout") >= 1))
        .as(meterCauses()).isTrue();
    assertServed();
  }

  @Test
  void clientInitiatedRenegotiationIsRefusedWithTheOpenSslProvider() throws Exception {
    // BoringSSL refuses server-side renegotiation by itself; the JDK case is the next test.
    org.junit.jupiter.api.Assumptions.assumeTrue(io.netty.handler.ssl.OpenSsl.isAvailable());
    TransportConfig config = AuthFixture.config(ca, AuthConfig.defaults()
        .withPolicy(dir.resolve("policy.yaml"))
        .withLockout(AuthFixture.lenientLockout()));
    config = config.withTls(config.tls().withProvider(TransportConfig.TlsProvider.OPENSSL));
    try (TestServer openSsl = TestServer.startSecure(config)) {
      assertThat(renegotiationAccepted(openSsl.port())).isFalse();
    }
  }

  @Test
  void clientInitiatedRenegotiationIsRefusedWithTheJdkProvider() throws Exception {
    assertThat(renegotiationAccepted(server.port())).isFalse();
    assertServed();
  }

  @Test
  void handshakeRefusalsAreAudited() throws Exception {
    assertRefusedThenServed(ca.clientContext(null), "no_certificate");
    assertThat(AuthFixture.auditContaining(audit, "no_certificate")).contains("no_certificate");
  }

  // --- helpers

  /** A TLS 1.2 session, one request, a client-initiated renegotiation, a second request. */
  private static boolean renegotiationAccepted(int port) throws Exception {
    SSLContext tls = ca.clientContext(alice);
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(plain, "localhost", port, true);
      ssl.setEnabledProtocols(new String[] {"TLSv1.2"});
      ssl.setSoTimeout(10_000);
      ssl.startHandshake();
      String request = RawHttp.request("GET", "/healthz", Map.of(), null);
      ssl.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      ssl.getOutputStream().flush();
      readHead(ssl.getInputStream());
      try {
        ssl.startHandshake(); // TLS 1.2: a renegotiation
        ssl.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
        ssl.getOutputStream().flush();
        return readHead(ssl.getInputStream()).startsWith("HTTP/1.1 200");
      } catch (IOException refused) {
        return false;
      }
    }
  }

  /** Reads a response head and its Content-Length body; returns the status line. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed");
      }
      head.append((char) b);
    }
    String text = head.toString();
    int length = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    in.readNBytes(length);
    return text.substring(0, text.indexOf("\r\n"));
  }

  private static boolean readUntilClosed(InputStream in) {
    try {
      while (in.read() >= 0) {
        // discard
      }
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static void assertRefusedThenServed(SSLContext tls, String cause) throws Exception {
    double before = handshakeFailures(cause);
    assertThatThrownBy(() -> {
      try (RawHttp raw = RawHttp.connect(tls, server.port())) {
        raw.exchange(RawHttp.request("GET", "/nothing", Map.of(), null));
      }
    }).isInstanceOf(IOException.class);
    assertThat(eventually(Duration.ofSeconds(30), () -> handshakeFailures(cause) > before))
        .as(meterCauses()).isTrue();
    assertServed();
  }

  /** A good client is still served: past authentication, the endpoint answers 404 for this path. */
  private static void assertServed() throws IOException {
    try (RawHttp raw = RawHttp.connect(ca.clientContext(alice), server.port())) {
      assertThat(raw.exchange(RawHttp.request("GET", "/nothing", Map.of(), null)).status())
          .isEqualTo(404);
    }
  }

  private static double handshakeFailures(String cause) {
    var counter = meters.find(AuthMetrics.TLS_HANDSHAKE_FAILURES).tag("cause", cause).counter();
    return counter == null ? 0 : counter.count();
  }

  private static String meterCauses() {
    return meters.find(AuthMetrics.TLS_HANDSHAKE_FAILURES).counters().stream()
        .map(c -> c.getId().getTag("cause") + "=" + c.count()).toList().toString();
  }

  private static KeyPair ecKeys() {
    return TestCerts.ecKey();
  }
}
