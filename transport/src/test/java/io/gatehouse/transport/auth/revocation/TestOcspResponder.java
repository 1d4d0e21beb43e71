package io.gatehouse.transport.auth.revocation;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;

/**
 * A real OCSP responder over real HTTP (JDK HttpServer) that signs real responses for a {@link
 * TestPki}, and misbehaves on demand.
 */
final class TestOcspResponder implements AutoCloseable {
  /** How the next responses are produced. */
  enum Mode {
    NORMAL, GARBAGE, HTTP_500, SLOW, HUGE, WRONG_KEY, DELEGATED, DELEGATED_WITHOUT_EKU, STALE, OTHER_SERIAL, NO_NONCE,
    /** Signed by the CA, but the CertID names another issuer key (same name, same serial). */
    OTHER_ISSUER_KEY,
    /** A responder certificate with EKU OCSPSigning and the CA's name as issuer, signed by another key. */
    DELEGATED_BY_ANOTHER_CA
  }

  volatile Mode mode = Mode.NORMAL;
  final AtomicInteger hits = new AtomicInteger();
  /** Requests for these serials wait until {@link #release} opens. */
  final Set<BigInteger> held = ConcurrentHashMap.newKeySet();
  final CountDownLatch release = new CountDownLatch(1);
  private final Map<BigInteger, CertificateStatus> statuses = new ConcurrentHashMap<>();
  private final TestPki pki;
  private final Clock clock;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final KeyPair delegateKeys = TestPki.keyPair();
  private final X509Certificate delegate;
  private final X509Certificate delegateWithoutEku;
  private final X509Certificate delegateByAnotherCa;

  TestOcspResponder(TestPki pki, Clock clock) throws IOException {
    this.pki = pki;
    this.clock = clock;
    this.delegate = pki.responder(delegateKeys, true);
    this.delegateWithoutEku = pki.responder(delegateKeys, false);
    // A look-alike CA: same name, its own key.
    this.delegateByAnotherCa = new TestPki(
        pki.ca.getSubjectX500Principal().getName().substring("CN=".length()))
        .responder(delegateKeys, true);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/ocsp", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/ocsp";
  }

  void revoke(BigInteger serial, int reason) {
    statuses.put(serial, new RevokedStatus(Date.from(clock.instant()), reason));
  }

  void forget(BigInteger serial) {
    statuses.put(serial, new UnknownStatus());
  }

  private void handle(HttpExchange exchange) throws IOException {
    hits.incrementAndGet();
    byte[] request = exchange.getRequestBody().readAllBytes();
    Mode m = mode;
    try {
      switch (m) {
        case GARBAGE -> reply(exchange, 200, "this is not DER".getBytes());
        case HTTP_500 -> reply(exchange, 500, new byte[0]);
        case HUGE -> reply(exchange, 200, new byte[200_000]);
        case SLOW -> {
          Thread.sleep(3_000);
          reply(exchange, 200, respond(new OCSPReq(request), Mode.NORMAL));
        }
        default -> {
          OCSPReq req = new OCSPReq(request);
          if (held.contains(req.getRequestList()[0].getCertID().getSerialNumber())) {
            release.await();
          }
          reply(exchange, 200, respond(req, m));
        }
      }
    } catch (Exception e) {
      reply(exchange, 400, new byte[0]);
    }
  }

  private byte[] respond(OCSPReq request, Mode m) throws Exception {
    Instant now = clock.instant();
    CertificateID id = request.getRequestList()[0].getCertID();
    CertificateStatus status = statuses.getOrDefault(id.getSerialNumber(), CertificateStatus.GOOD);
    if (m == Mode.OTHER_SERIAL) {
      id = CertificateID.deriveCertificateID(id, id.getSerialNumber().add(BigInteger.ONE));
    }
    if (m == Mode.OTHER_ISSUER_KEY) {
      byte[] otherKeyHash = id.getIssuerKeyHash().clone();
      otherKeyHash[0] ^= 1;
      id = new CertificateID(new org.bouncycastle.asn1.ocsp.CertID(id.toASN1Primitive().getHashAlgorithm(),
          new org.bouncycastle.asn1.DEROctetString(id.getIssuerNameHash()),
          new org.bouncycastle.asn1.DEROctetString(otherKeyHash),
          new org.bouncycastle.asn1.ASN1Integer(id.getSerialNumber())));
    }
    KeyPair signer = switch (m) {
      case WRONG_KEY -> TestPki.keyPair();
      case DELEGATED, DELEGATED_WITHOUT_EKU, DELEGATED_BY_ANOTHER_CA -> delegateKeys;
      default -> pki.caKeys;
    };
    X509Certificate responderCert = m == Mode.DELEGATED ? delegate
        : m == Mode.DELEGATED_WITHOUT_EKU ? delegateWithoutEku
        : m == Mode.DELEGATED_BY_ANOTHER_CA ? delegateByAnotherCa : null;
    BasicOCSPRespBuilder builder =
        new BasicOCSPRespBuilder(
            new RespID(X500Name.getInstance((responderCert != null ? responderCert : pki.ca).getSubjectX500Principal().getEncoded())));
    Instant nextUpdate = m == Mode.STALE ? now.minus(Duration.ofHours(1)) : now.plus(Duration.ofHours(1));
    builder.addResponse(id, status, Date.from(now.minusSeconds(5)), Date.from(nextUpdate), null);
    Extension nonce = request.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
    if (nonce != null && m != Mode.NO_NONCE) {
      builder.setResponseExtensions(new Extensions(nonce));
    }
    X509CertificateHolder[] chain =
        responderCert == null ? null : new X509CertificateHolder[] {new JcaX509CertificateHolder(responderCert)};
    BasicOCSPResp basic = builder.build(TestPki.signer(signer.getPrivate()), chain, Date.from(now));
    return new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL, basic).getEncoded();
  }

  private static void reply(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", "application/ocsp-response");
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
