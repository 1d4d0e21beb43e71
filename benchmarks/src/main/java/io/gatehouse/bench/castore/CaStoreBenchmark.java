package io.gatehouse.bench.castore;

import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.ocsp.OcspAnswer;
import io.gatehouse.ca.ocsp.OcspResponder;
import io.gatehouse.ca.ocsp.OcspSigner;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CA on each store, one thread: issuance ({@code ca issue}/EST's path: build, sign, insert the
 * row and its signed audit entry) and the OCSP answers {@code ca serve} gives ({@link
 * OcspResponder} in process over the store). An answer to a request with a nonce reads the
 * certificate's row, checks it against the verified audit chain and is signed fresh; a request
 * without nonce gets the pre-signed answer and reads nothing (a control: it must not differ by
 * store). {@code storeFind} is the row read alone. Throughput, operations per second; the CA key
 * is EC P-256 for both stores.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class CaStoreBenchmark {
  @Param({"sqlite", "postgresql"})
  public String store;

  private BenchPki pki;
  private PublicKey leafKey;
  private OcspResponder responder;
  private BigInteger serial;
  private byte[] plainRequest;
  private byte[] nonceRequest;

  @Setup
  public void setUp() throws Exception {
    pki = StoreKind.ofParam(store).shared();
    leafKey = StoreKind.KEY_TYPE.generate().getPublic();
    X509Certificate leaf = pki.issuer().issueClient("ocsp-bench", null, List.of("viewer"), null, leafKey);
    serial = leaf.getSerialNumber();
    X509Certificate issuer = pki.ca().issuerCertificate();
    responder = new OcspResponder(pki.ca().store(), issuer, OcspSigner.issue(pki.issuer()), Duration.ofHours(1),
        Clock.systemUTC());
    CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
        new JcaX509CertificateHolder(issuer), serial);
    plainRequest = new OCSPReqBuilder().addRequest(id).build().getEncoded();
    byte[] nonce = new byte[16];
    new SecureRandom().nextBytes(nonce);
    nonceRequest = new OCSPReqBuilder().addRequest(id)
        .setRequestExtensions(new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false,
            new DEROctetString(new DEROctetString(nonce)))))
        .build().getEncoded();
    for (byte[] request : new byte[][] {plainRequest, nonceRequest}) {
      OcspAnswer answer = responder.respond(request);
      BasicOCSPResp basic = (BasicOCSPResp) new OCSPResp(answer.der()).getResponseObject();
      if (basic == null || basic.getResponses()[0].getCertStatus() != null) { // BC: GOOD is null
        throw new IllegalStateException("the responder on " + store + " does not say good for a valid certificate");
      }
    }
  }

  /** One client certificate built, signed, stored with its audit entry. */
  @Benchmark
  public X509Certificate issue() throws Exception {
    return pki.issuer().issueClient("bench", null, List.of("viewer"), null, leafKey);
  }

  /** A request with a nonce: parse, read the row, check it against the chain, sign. */
  @Benchmark
  public OcspAnswer ocspSigned() {
    return responder.respond(nonceRequest);
  }

  /** A request without nonce: the pre-signed answer; the store is not read. */
  @Benchmark
  public OcspAnswer ocspPreSigned() {
    return responder.respond(plainRequest);
  }

  /** The row read alone ({@code CertificateStore.find}). */
  @Benchmark
  public Optional<CertificateRecord> storeFind() throws Exception {
    return pki.ca().store().find(serial);
  }
}
