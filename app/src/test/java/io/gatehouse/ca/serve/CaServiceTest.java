package io.gatehouse.ca.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.testing.TestCerts;
import com.nimbusds.jose.jwk.JWKSet;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.ca.token.JwtSigningKey;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ca serve} in-process: OCSP with BouncyCastle's client classes, CRL and JWKS over HTTP.
 * The pre-signing test runs first: later tests issue certificates, and every store change drops
 * the pre-signed responses (asynchronously, by design).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CaServiceTest {
  private static final Cli CLI = Cli.withPassphrase();

  @TempDir static Path dir;
  static CertificateAuthority ca;
  static CaService service;
  static String url;
  static X509Certificate issuer;
  static X509Certificate alice;

  @BeforeAll
  static void serve() throws Exception {
    assertThat(CLI.ca(dir, "init", "--intermediate").exit()).isZero();
    assertThat(CLI.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    issuer = TestCerts.read(dir.resolve("ca/intermediate.crt")).get(0);
    alice = TestCerts.read(dir.resolve("clients/alice.crt")).get(0);
    ca = CertificateAuthority.open(dir);
    char[] passphrase = Cli.PASSPHRASE.toCharArray();
    service = CaService.start(ca, ca.unlock(passphrase),
        JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase),
        new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null), Clock.systemUTC());
    url = service.baseUrl();
  }

  @AfterAll
  static void stop() {
    service.close();
    ca.close();
  }

  /** Parses a successful response and checks its signature and its delegated signer. */
  static BasicOCSPResp verified(byte[] der) throws Exception {
    OCSPResp response = new OCSPResp(der);
    assertThat(response.getStatus()).isEqualTo(OCSPResp.SUCCESSFUL);
    BasicOCSPResp basic = (BasicOCSPResp) response.getResponseObject();
    X509CertificateHolder[] chain = basic.getCerts();
    assertThat(chain).hasSize(1);
    X509Certificate signer = new JcaX509CertificateConverter().getCertificate(chain[0]);
    signer.verify(issuer.getPublicKey());
    assertThat(signer.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.9");
    assertThat(signer.getExtensionValue(OCSPObjectIdentifiers.id_pkix_ocsp_nocheck.getId())).isNotNull();
    assertThat(basic.isSignatureValid(new JcaContentVerifierProviderBuilder().build(chain[0]))).isTrue();
    return basic;
  }

  private static SingleResp single(byte[] der) throws Exception {
    SingleResp[] responses = verified(der).getResponses();
    assertThat(responses).hasSize(1);
    return responses[0];
  }

  @Test
  void goodWithNonceEchoedAndFreshlySigned() throws Exception {
    byte[] nonce = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    OCSPReq request = Ocsp.request(nonce, Ocsp.id(issuer, alice.getSerialNumber()));
    HttpResponse<byte[]> first = Ocsp.post(url, request.getEncoded());
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("content-type")).hasValue("application/ocsp-response");
    BasicOCSPResp basic = verified(first.body());
    assertThat(basic.getResponses()[0].getCertStatus()).isEqualTo(CertificateStatus.GOOD);
    assertThat(basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce).getExtnValue().getOctets())
        .isEqualTo(request.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce).getExtnValue().getOctets());
    SingleResp single = basic.getResponses()[0];
    assertThat(Duration.between(single.getThisUpdate().toInstant(), single.getNextUpdate().toInstant()))
        .isEqualTo(Duration.ofHours(1));
    byte[] otherNonce = "fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
    assertThat(Ocsp.post(url, Ocsp.request(otherNonce, Ocsp.id(issuer, alice.getSerialNumber())).getEncoded()).body())
        .isNotEqualTo(first.body());
  }

  @Test
  @Order(1)
  void getFormIsPreSignedAndCacheable() throws Exception {
    byte[] der = Ocsp.request(null, Ocsp.id(issuer, alice.getSerialNumber())).getEncoded();
    String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(der);
    String standard = URLEncoder.encode(Base64.getEncoder().encodeToString(der), StandardCharsets.US_ASCII);
    HttpResponse<byte[]> first = Ocsp.get(url + "/ocsp/" + urlSafe);
    HttpResponse<byte[]> second = Ocsp.get(url + "/ocsp/" + standard);
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(single(first.body()).getCertStatus()).isEqualTo(CertificateStatus.GOOD);
    assertThat(second.body()).as("pre-signed response reused").isEqualTo(first.body());
    assertThat(first.headers().firstValue("cache-control").orElseThrow())
        .matches("max-age=\\d+, public, no-transform, must-revalidate");
    assertThat(first.headers().firstValue("last-modified")).isPresent();
    assertThat(first.headers().firstValue("expires")).isPresent();
    String etag = first.headers().firstValue("etag").orElseThrow();
    HttpResponse<byte[]> notModified = Ocsp.get(url + "/ocsp/" + urlSafe, "If-None-Match", etag);
    assertThat(notModified.statusCode()).isEqualTo(304);
  }

  @Test
  void unknownForNeverIssuedSerialAndForeignIssuer() throws Exception {
    assertThat(single(Ocsp.post(url, Ocsp.request(null, Ocsp.id(issuer, new BigInteger("123456789abcdef", 16)))
        .getEncoded()).body()).getCertStatus()).isInstanceOf(UnknownStatus.class);
    X509Certificate foreignRoot = TestCerts.read(dir.resolve("ca/root.crt")).get(0);
    assertThat(single(Ocsp.post(url, Ocsp.request(null, Ocsp.id(foreignRoot, alice.getSerialNumber()))
        .getEncoded()).body()).getCertStatus()).isInstanceOf(UnknownStatus.class);
  }

  @Test
  void multipleCertificatesInOneRequest() throws Exception {
    byte[] der = Ocsp.request(null, Ocsp.id(issuer, alice.getSerialNumber()), Ocsp.id(issuer, BigInteger.TEN))
        .getEncoded();
    SingleResp[] responses = verified(Ocsp.post(url, der).body()).getResponses();
    assertThat(responses).hasSize(2);
    assertThat(responses[0].getCertStatus()).isEqualTo(CertificateStatus.GOOD);
    assertThat(responses[1].getCertStatus()).isInstanceOf(UnknownStatus.class);
  }

  @Test
  void malformedOversizedAndWrongRoutes() throws Exception {
    HttpResponse<byte[]> garbage = Ocsp.post(url, "not an OCSP request".getBytes(StandardCharsets.US_ASCII));
    assertThat(garbage.statusCode()).isEqualTo(200);
    assertThat(new OCSPResp(garbage.body()).getStatus()).isEqualTo(OCSPResp.MALFORMED_REQUEST);
    assertThat(new OCSPResp(Ocsp.get(url + "/ocsp/!!notbase64").body()).getStatus())
        .isEqualTo(OCSPResp.MALFORMED_REQUEST);
    byte[] longNonce = new byte[33];
    assertThat(new OCSPResp(Ocsp.post(url, Ocsp.request(longNonce, Ocsp.id(issuer, alice.getSerialNumber()))
        .getEncoded()).body()).getStatus()).isEqualTo(OCSPResp.MALFORMED_REQUEST);
    assertThat(Ocsp.post(url, new byte[CaService.MAX_BODY + 1]).statusCode()).isEqualTo(413);
    assertThat(Ocsp.get(url + "/nothing").statusCode()).isEqualTo(404);
    assertThat(Ocsp.get(url + "/ocsp").statusCode()).isEqualTo(405);
  }

  @Test
  void jwksIsServed() throws Exception {
    HttpResponse<byte[]> jwks = Ocsp.get(url + "/jwks.json");
    assertThat(jwks.statusCode()).isEqualTo(200);
    JWKSet set = JWKSet.parse(new String(jwks.body(), StandardCharsets.UTF_8));
    assertThat(set.getKeys()).hasSize(1);
    assertThat(set.getKeys().get(0).isPrivate()).isFalse();
    assertThat(set.getKeys().get(0).getKeyID())
        .isEqualTo(set.getKeys().get(0).computeThumbprint().toString());
  }

  @Test
  void servesHttpsWithAServerCertificateFromTheCa() throws Exception {
    assertThat(CLI.ca(dir, "issue", "server", "--dns", "localhost").exit()).isZero();
    char[] passphrase = Cli.PASSPHRASE.toCharArray();
    try (CaService https = CaService.start(ca, ca.unlock(passphrase),
        JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase),
        new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), dir.resolve("servers/localhost.crt"),
            dir.resolve("servers/localhost.key")), Clock.systemUTC())) {
      assertThat(https.baseUrl()).startsWith("https://");
      io.gatehouse.cli.ca.Processes.Output curl = io.gatehouse.cli.ca.Processes.run(dir, "curl", "-sS",
          "--cacert", "ca/chain.pem", "--resolve", "localhost:" + https.port() + ":127.0.0.1",
          "https://localhost:" + https.port() + "/jwks.json");
      assertThat(curl.exit()).as(curl.text()).isZero();
      assertThat(JWKSet.parse(curl.text()).getKeys()).hasSize(1);
    }
  }

  private static X509CRL crl() throws Exception {
    return (X509CRL) CertificateFactory.getInstance("X.509")
        .generateCRL(new ByteArrayInputStream(Ocsp.get(url + "/crl").body()));
  }

  @Test
  void revocationIsVisibleToOcspAndCrlWhileServing() throws Exception {
    assertThat(CLI.ca(dir, "issue", "client", "--name", "mallory", "--role", "viewer").exit()).isZero();
    X509Certificate mallory = TestCerts.read(dir.resolve("clients/mallory.crt")).get(0);
    byte[] request = Ocsp.request(null, Ocsp.id(issuer, mallory.getSerialNumber())).getEncoded();
    String get = url + "/ocsp/" + Base64.getUrlEncoder().encodeToString(request);
    assertThat(single(Ocsp.get(get).body()).getCertStatus()).isEqualTo(CertificateStatus.GOOD);

    // Another connection to the store (as another process would) revokes.
    assertThat(CLI.ca(dir, "revoke", "--serial", mallory.getSerialNumber().toString(16),
        "--reason", "keyCompromise").exit()).isZero();
    long revokedAt = System.nanoTime();
    Object status = CertificateStatus.GOOD;
    while (status == CertificateStatus.GOOD && System.nanoTime() - revokedAt < Duration.ofSeconds(30).toNanos()) {
      status = single(Ocsp.get(get).body()).getCertStatus();
      Thread.sleep(20);
    }
    System.out.printf("revocation visible via OCSP after %d ms%n", (System.nanoTime() - revokedAt) / 1_000_000);
    assertThat(status).isInstanceOf(RevokedStatus.class);
    RevokedStatus revoked = (RevokedStatus) status;
    assertThat(revoked.getRevocationReason()).isEqualTo(CRLReason.keyCompromise);

    // The CRL is a signed snapshot, re-signed by the watcher right after it drops the OCSP cache;
    // the generous bound only keeps a loaded CI machine from failing a liveness check.
    X509CRL crl = crl();
    long visibleAt = System.nanoTime();
    while (crl.getRevokedCertificate(mallory.getSerialNumber()) == null
        && System.nanoTime() - visibleAt < Duration.ofSeconds(15).toNanos()) {
      Thread.sleep(20);
      crl = crl();
    }
    crl.verify(issuer.getPublicKey());
    assertThat(crl.getRevokedCertificate(mallory.getSerialNumber())).isNotNull();
    assertThat(crl.getRevokedCertificate(alice.getSerialNumber())).isNull();
    assertThat(List.of(Ocsp.get(url + "/crl").headers().firstValue("content-type").orElseThrow()))
        .containsExactly("application/pkix-crl");
  }
}
