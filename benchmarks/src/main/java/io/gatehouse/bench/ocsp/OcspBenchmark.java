package io.gatehouse.bench.ocsp;

import io.gatehouse.bench.support.BenchPki;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.ocsp.OcspAnswer;
import io.gatehouse.ca.ocsp.OcspResponder;
import io.gatehouse.ca.ocsp.OcspSigner;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Date;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * OCSP on both sides. The responder ({@code ca serve}'s {@link OcspResponder}, in process, over
 * the real SQLite store): a request without nonce gets the pre-signed answer, a request with a
 * nonce costs a fresh signature (delegated P-256 signer). The client side: parsing and verifying
 * a delegated-signer response with the steps Gatehouse's revocation checker takes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class OcspBenchmark {
  private BenchPki pki;
  private OcspResponder responder;
  private byte[] plainRequest;
  private byte[] nonceRequest;
  private byte[] response;
  private X509CertificateHolder issuer;
  private CertificateID asked;
  private final Provider bc = new BouncyCastleProvider();

  @Setup
  public void setUp() throws Exception {
    pki = BenchPki.shared(KeyType.EC_P256);
    X509Certificate leaf = pki.client("alice", "viewer").certificate();
    X509Certificate issuerCert = pki.ca().issuerCertificate();
    responder = new OcspResponder(pki.ca().store(), issuerCert, OcspSigner.issue(pki.issuer()),
        Duration.ofHours(1), Clock.systemUTC());
    issuer = new JcaX509CertificateHolder(issuerCert);
    asked = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
        issuer, leaf.getSerialNumber());
    plainRequest = new OCSPReqBuilder().addRequest(asked).build().getEncoded();
    byte[] nonce = new byte[16];
    new SecureRandom().nextBytes(nonce);
    nonceRequest = new OCSPReqBuilder().addRequest(asked)
        .setRequestExtensions(new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce,
            false, new DEROctetString(new DEROctetString(nonce)))))
        .build().getEncoded();
    OcspAnswer plain = responder.respond(plainRequest);
    if (!plain.cacheable() || responder.respond(nonceRequest).cacheable()) {
      throw new IllegalStateException("responder does not pre-sign plain requests / sign nonce requests fresh");
    }
    response = plain.der();
    if (!verifyResponse()) {
      throw new IllegalStateException("responder does not say good for a valid certificate");
    }
  }

  /** A request without nonce: parse, look up the pre-signed answer. */
  @Benchmark
  public OcspAnswer responderPreSigned() {
    return responder.respond(plainRequest);
  }

  /** A request with a nonce: parse, store lookup, build and sign a fresh response. */
  @Benchmark
  public OcspAnswer responderNonce() {
    return responder.respond(nonceRequest);
  }

  /**
   * Client side: parse the response and check it as {@code RevocationChecker} does (issuer key
   * first, then the delegated responder certificate, its EKU and validity, the response signature,
   * the matching CertificateID and the update times).
   */
  @Benchmark
  public boolean clientVerify() throws Exception {
    return verifyResponse();
  }

  /** True when the response is authentic, current and says good. */
  private boolean verifyResponse() throws Exception {
    BasicOCSPResp basic = (BasicOCSPResp) new OCSPResp(response).getResponseObject();
    Date now = new Date();
    ContentVerifierProvider issuerKey = verifier(issuer);
    if (!basic.isSignatureValid(issuerKey)) {
      X509CertificateHolder delegated = basic.getCerts()[0];
      ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(delegated.getExtensions());
      if (!(delegated.getIssuer().equals(issuer.getSubject()) && delegated.isValidOn(now)
          && eku != null && eku.hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)
          && delegated.isSignatureValid(issuerKey) && basic.isSignatureValid(verifier(delegated)))) {
        throw new IllegalStateException("response not signed by an authorized responder");
      }
    }
    for (SingleResp single : basic.getResponses()) {
      CertificateID id = single.getCertID();
      if (id.getHashAlgOID().equals(asked.getHashAlgOID())
          && Arrays.equals(id.getIssuerNameHash(), asked.getIssuerNameHash())
          && Arrays.equals(id.getIssuerKeyHash(), asked.getIssuerKeyHash())
          && id.getSerialNumber().equals(asked.getSerialNumber())
          && !single.getThisUpdate().after(now) && single.getNextUpdate().after(now)) {
        return single.getCertStatus() == CertificateStatus.GOOD; // BC: GOOD is null
      }
    }
    throw new IllegalStateException("response does not cover the certificate");
  }

  private ContentVerifierProvider verifier(X509CertificateHolder cert) throws Exception {
    return new JcaContentVerifierProviderBuilder().setProvider(bc).build(cert);
  }
}
