package io.gatehouse.transport.auth.pipeline;

import static io.gatehouse.transport.auth.pipeline.AuthFixture.auditContaining;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.get;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.gatehouse.testing.TestCerts;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team: a revoked client appends a forged "intermediate" (the real intermediate's subject and
 * key identifier, the attacker's key, signed by the attacker's root). The JDK handshake still
 * validates the leaf through the real intermediate in the trust bundle, so the chain is admitted
 * to HTTP; the revocation check must then use that validated issuer, not the forged one. Real CA,
 * real {@code ca serve} (delegated OCSP responder), real TLS, and a real attacker OCSP responder
 * over HTTP standing in for whoever answers the plain-HTTP OCSP URL on the network path.
 */
class ForgedChainTest {
  @TempDir static Path dir;
  static RealCa ca;
  static TestServer failClosed;
  static TestServer softFail;
  static Attacker attacker;
  static MitmResponder mitm;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    Path policy = AuthFixture.writePolicy(dir);
    TransportConfig closed = AuthFixture.config(ca, AuthConfig.defaults().withPolicy(policy)
        .withLockout(AuthFixture.lenientLockout())
        .withAudit(AuthConfig.Audit.toFile(dir.resolve("closed.log"))));
    TransportConfig soft = AuthFixture.config(ca, AuthConfig.defaults().withPolicy(policy)
        .withRevocation(AuthConfig.Revocation.defaults()
            .withMode(AuthConfig.RevocationMode.SOFT_FAIL))
        .withLockout(AuthFixture.lenientLockout())
        .withAudit(AuthConfig.Audit.toFile(dir.resolve("soft.log"))));
    failClosed = TestServer.startSecure(closed);
    softFail = TestServer.startSecure(soft);
    attacker = new Attacker(ca.issuerKey().certificate());
    mitm = new MitmResponder();
  }

  @AfterAll
  static void stop() {
    mitm.close();
    failClosed.close();
    softFail.close();
    ca.close();
  }

  @Test
  void revokedClientWithAForgedIntermediateIsRefusedUnderSoftFail() throws Exception {
    RealCa.Identity revoked = ca.client("forged-soft", "viewer");
    ca.revoke(revoked);
    RawHttp.Response response = get(forged(revoked), softFail.port(), "/nothing", Map.of());
    assertRevoked(response);
    assertThat(auditContaining(dir.resolve("soft.log"), "client/forged-soft"))
        .contains("revoked (keyCompromise)")
        .doesNotContain("revocation status unavailable");
  }

  @Test
  void revokedClientWithAForgedIntermediateIsRefusedUnderFailClosed() throws Exception {
    RealCa.Identity revoked = ca.client("forged-closed", "viewer");
    ca.revoke(revoked);
    assertRevoked(get(forged(revoked), failClosed.port(), "/nothing", Map.of()));
    assertThat(auditContaining(dir.resolve("closed.log"), "client/forged-closed"))
        .contains("revoked (keyCompromise)");
  }

  @Test
  void curlWithOpenSslPresentingTheForgedChainIsRefusedToo() throws Exception {
    // A client we did not write: curl (OpenSSL) sends the leaf and the forged intermediate from
    // its certificate file.
    RealCa.Identity revoked = ca.client("forged-curl", "viewer");
    ca.revoke(revoked);
    StringBuilder pem = new StringBuilder();
    for (X509Certificate c : List.of(revoked.certificate(), attacker.forgedIntermediate)) {
      pem.append("-----BEGIN CERTIFICATE-----\n")
          .append(java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
              .encodeToString(c.getEncoded()))
          .append("\n-----END CERTIFICATE-----\n");
    }
    Path chain = Files.writeString(dir.resolve("forged-curl-chain.pem"), pem);
    Path key = ca.chainPem().getParent().getParent().resolve("clients/forged-curl.key");
    Path body = dir.resolve("curl-body.json");
    Process curl = new ProcessBuilder("curl", "-s", "-o", body.toString(), "-w", "%{http_code}",
        "--max-time", "20", "--cacert", ca.chainPem().toString(),
        "--resolve", "localhost:" + softFail.port() + ":127.0.0.1",
        "--cert", chain.toString(), "--key", key.toString(),
        "https://localhost:" + softFail.port() + "/nothing")
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String status = new String(curl.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertThat(curl.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(status).isEqualTo("401");
    assertThat(Files.readString(body)).contains("\"error\":\"certificate_revoked\"");
  }

  @Test
  void mitmResponderSigningGoodWithTheForgedIssuersKeyIsRefused() throws Exception {
    mitm.signer = attacker.forgedKeys.getPrivate();
    mitm.responderCertificate = null;
    RealCa.Identity revoked = ca.clientWithOcspUrl(mitm.url(), "mitm-issuer-key", "viewer");
    ca.revoke(revoked);
    int before = mitm.hits.get();
    RawHttp.Response response = get(forged(revoked), failClosed.port(), "/nothing", Map.of());
    assertThat(mitm.hits.get()).as("the server asked the attacker's responder").isGreaterThan(before);
    assertUnavailable(response);
    assertThat(auditContaining(dir.resolve("closed.log"), "client/mitm-issuer-key"))
        .contains("not signed by the issuer");
  }

  @Test
  void mitmResponderCertificateWithOcspSigningFromAnotherCaIsRefused() throws Exception {
    // EKU id-kp-OCSPSigning, issuer name = the real intermediate's, signed by the forged key.
    mitm.signer = attacker.responderKeys.getPrivate();
    mitm.responderCertificate = attacker.delegatedResponder;
    RealCa.Identity revoked = ca.clientWithOcspUrl(mitm.url(), "mitm-delegated", "viewer");
    ca.revoke(revoked);
    int before = mitm.hits.get();
    RawHttp.Response response = get(forged(revoked), failClosed.port(), "/nothing", Map.of());
    assertThat(mitm.hits.get()).as("the server asked the attacker's responder").isGreaterThan(before);
    assertUnavailable(response);
    // The same lie without the forged intermediate is refused too.
    RealCa.Identity honestChain = ca.clientWithOcspUrl(mitm.url(), "mitm-delegated-2", "viewer");
    ca.revoke(honestChain);
    assertUnavailable(get(ca.clientContext(honestChain), failClosed.port(), "/nothing", Map.of()));
  }

  @Test
  void theCasDelegatedResponderStillDecidesWhateverTheClientAppends() throws Exception {
    // ca serve signs with a delegated responder certificate (EKU OCSPSigning) from the real issuer.
    RealCa.Identity good = ca.client("appends-junk", "viewer");
    for (TestServer server : List.of(failClosed, softFail)) {
      assertThat(get(forged(good), server.port(), "/nothing", Map.of()).status()).isEqualTo(404);
      assertThat(get(ca.clientContext(good), server.port(), "/nothing", Map.of()).status())
          .isEqualTo(404);
    }
    assertThat(AuthFixture.read(dir.resolve("soft.log")))
        .doesNotContain("\"principal\":\"spiffe://gatehouse.local/client/appends-junk\","
            + "\"method\":\"certificate\",\"warning\"");
    RealCa.Identity revoked = ca.client("honest-revoked", "viewer");
    ca.revoke(revoked);
    assertRevoked(get(ca.clientContext(revoked), failClosed.port(), "/nothing", Map.of()));
    assertRevoked(get(ca.clientContext(revoked), softFail.port(), "/nothing", Map.of()));
  }

  /** 401 naming the revocation, without Bearer (certificate-only servers) or policy detail. */
  private static void assertRevoked(RawHttp.Response response) {
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.body()).contains("\"error\":\"certificate_revoked\"")
        .contains("the client certificate was refused: it has been revoked");
    assertNoPolicyAndTheUsualChallenge(response);
  }

  private static void assertUnavailable(RawHttp.Response response) {
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.body()).contains("\"error\":\"certificate_status_unavailable\"");
    assertNoPolicyAndTheUsualChallenge(response);
  }

  private static void assertNoPolicyAndTheUsualChallenge(RawHttp.Response response) {
    assertThat(response.header("WWW-Authenticate")).startsWith("Bearer resource_metadata=");
    assertThat(response.body().toLowerCase(java.util.Locale.ROOT)).doesNotContain("fail")
        .doesNotContain("soft").doesNotContain("ocsp").doesNotContain("http:")
        .doesNotContain("authentication required");
  }

  /** A client context presenting {@code identity}'s leaf followed by the forged intermediate. */
  private static javax.net.ssl.SSLContext forged(RealCa.Identity identity) {
    return ca.clientContextPresenting(List.of(identity.certificate(), attacker.forgedIntermediate),
        identity.key());
  }

  /** The attacker's PKI: its own root, a look-alike of the real intermediate, an OCSP signer. */
  static final class Attacker {
    final KeyPair rootKeys = ecKeys();
    final KeyPair forgedKeys = ecKeys();
    final KeyPair responderKeys = ecKeys();
    final X509Certificate root;
    final X509Certificate forgedIntermediate;
    final X509Certificate delegatedResponder;

    Attacker(X509Certificate realIntermediate) throws Exception {
      int caUsage = KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature;
      root = TestCerts.selfSigned("CN=Attacker Root", rootKeys).ca(caUsage).keyIdentifiers()
          .build();
      byte[] realSki = ASN1OctetString.getInstance(
          realIntermediate.getExtensionValue(Extension.subjectKeyIdentifier.getId())).getOctets();
      X500Name realName = X500Name.getInstance(realIntermediate.getSubjectX500Principal().getEncoded());
      forgedIntermediate = TestCerts.issuedBy(root, rootKeys.getPrivate()).subject(realName)
          .keys(forgedKeys).ca(caUsage)
          // Same name and same key identifier as the real intermediate: only the key differs.
          .extension(Extension.subjectKeyIdentifier, false,
              SubjectKeyIdentifier.getInstance(realSki))
          .extension(Extension.authorityKeyIdentifier, false,
              new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(rootKeys.getPublic()))
          .build();
      delegatedResponder = TestCerts.issuedBy(realName, forgedKeys.getPrivate())
          .subject("CN=Gatehouse OCSP Responder").keys(responderKeys).leaf().ocspSigning().build();
    }
  }

  /**
   * A real OCSP responder over HTTP that answers {@code good} for whatever is asked (echoing the
   * request's CertID), signed by {@link #signer}, with {@link #responderCertificate} embedded.
   */
  static final class MitmResponder implements AutoCloseable {
    final AtomicInteger hits = new AtomicInteger();
    volatile PrivateKey signer;
    volatile X509Certificate responderCertificate;
    private final HttpServer server;

    MitmResponder() throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/ocsp", this::handle);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/ocsp";
    }

    private void handle(HttpExchange exchange) throws IOException {
      hits.incrementAndGet();
      byte[] body;
      try {
        OCSPReq request = new OCSPReq(exchange.getRequestBody().readAllBytes());
        X509Certificate responder = responderCertificate;
        X500Name name = responder != null
            ? X500Name.getInstance(responder.getSubjectX500Principal().getEncoded())
            : X500Name.getInstance(attacker.forgedIntermediate.getSubjectX500Principal().getEncoded());
        BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(new RespID(name));
        Instant now = Instant.now();
        for (Req req : request.getRequestList()) {
          builder.addResponse(req.getCertID(), CertificateStatus.GOOD,
              Date.from(now.minusSeconds(5)), Date.from(now.plus(Duration.ofHours(1))), null);
        }
        X509CertificateHolder[] chain = responder == null ? null
            : new X509CertificateHolder[] {new JcaX509CertificateHolder(responder)};
        body = new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, builder.build(
            new JcaContentSignerBuilder("SHA256withECDSA").build(signer), chain, Date.from(now)))
            .getEncoded();
      } catch (Exception e) {
        body = new byte[0];
      }
      exchange.getResponseHeaders().set("Content-Type", "application/ocsp-response");
      exchange.sendResponseHeaders(body.length == 0 ? 400 : 200, body.length == 0 ? -1 : body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  private static KeyPair ecKeys() {
    return TestCerts.ecKey();
  }
}
