package io.gatehouse.transport.auth.revocation;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;

/**
 * One OCSP exchange (RFC 6960, profile of RFC 5019): builds the request, POSTs it, and accepts the
 * answer only if it is signed by the issuer or by a responder the issuer delegated with EKU
 * id-kp-OCSPSigning, covers exactly the asked certificate, is fresh, and echoes the nonce when one
 * was sent. Everything runs on the given executor, never on the caller's thread.
 */
final class OcspClient {
  /** Clock skew tolerated on thisUpdate/nextUpdate. */
  static final Duration SKEW = Duration.ofMinutes(1);
  /** How long an answer without nextUpdate ("newer information is always available") is used. */
  static final Duration NO_NEXT_UPDATE_VALIDITY = Duration.ofMinutes(1);
  /** How long a failed exchange is remembered before the responder is asked again. */
  static final Duration FAILURE_MEMORY = Duration.ofSeconds(5);
  /** Largest response body read; real ones are a few KiB even with a delegated responder cert. */
  static final int MAX_RESPONSE_BYTES = 64 * 1024;
  /** Most embedded certificates examined when looking for a delegated responder. */
  private static final int MAX_RESPONDER_CERTS = 4;

  private static final String[] REASONS = {
    "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
    "cessationOfOperation", "certificateHold", "unknown(7)", "removeFromCRL", "privilegeWithdrawn",
    "aACompromise"
  };

  private final Provider bc;
  private final RevocationPolicy policy;
  private final HttpClient http;
  private final Executor executor;
  private final Duration requestTimeout;
  private final boolean useNonce;
  private final Clock clock;
  private final long maxTtlMillis;
  private final SecureRandom random = new SecureRandom();

  OcspClient(
      Provider bc,
      RevocationPolicy policy,
      Executor executor,
      Duration connectTimeout,
      Duration requestTimeout,
      boolean useNonce,
      Clock clock,
      Duration maxTtl) {
    this.bc = bc;
    this.policy = policy;
    this.executor = executor;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(connectTimeout)
            .executor(executor)
            .build();
    this.requestTimeout = requestTimeout;
    this.useNonce = useNonce;
    this.clock = clock;
    this.maxTtlMillis = maxTtl.toMillis();
  }

  /** Prepares the CertificateID (SHA-1, as RFC 5019 requires) and finds the responder URL. */
  RevocationTarget target(X509Certificate leaf, X509Certificate issuer, URI override) {
    // Names are not enough: a forged certificate can carry the issuer's name with another key.
    if (!leaf.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())
        || !signedBy(leaf, issuer)) {
      throw new IllegalArgumentException("the issuer certificate did not issue this certificate");
    }
    try {
      X509CertificateHolder issuerHolder = new JcaX509CertificateHolder(issuer);
      CertificateID id =
          new CertificateID(
              new JcaDigestCalculatorProviderBuilder().setProvider(bc).build().get(CertificateID.HASH_SHA1),
              issuerHolder,
              leaf.getSerialNumber());
      return new RevocationTarget(id, issuerHolder, override != null ? override : aiaOcspUri(leaf));
    } catch (Exception e) {
      throw new IllegalArgumentException("cannot prepare an OCSP request for this certificate", e);
    }
  }

  private static boolean signedBy(X509Certificate leaf, X509Certificate issuer) {
    try {
      leaf.verify(issuer.getPublicKey());
      return true;
    } catch (java.security.GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static URI aiaOcspUri(X509Certificate leaf) throws IOException {
    byte[] ext = leaf.getExtensionValue(Extension.authorityInfoAccess.getId());
    if (ext == null) {
      return null;
    }
    AuthorityInformationAccess aia =
        AuthorityInformationAccess.getInstance(DEROctetString.getInstance(ext).getOctets());
    for (AccessDescription ad : aia.getAccessDescriptions()) {
      GeneralName name = ad.getAccessLocation();
      if (ad.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
          && name.getTagNo() == GeneralName.uniformResourceIdentifier) {
        try {
          URI uri = new URI(name.getName().toString());
          if ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) {
            return uri;
          }
        } catch (URISyntaxException malformed) {
          // Not usable: try the next access description.
        }
      }
    }
    return null;
  }

  /**
   * Asks the responder; completes (never exceptionally, so the cache does not log every outage)
   * with a verified answer or with a failure saying why, decided by the policy.
   */
  CompletableFuture<OcspAnswer> fetch(RevocationTarget t) {
    if (t.responder == null) {
      return CompletableFuture.completedFuture(
          failed("certificate names no OCSP responder and none is configured"));
    }
    CompletableFuture<Exchange> exchange;
    try {
      // Even building the request (the nonce reads the OS entropy source) stays off the caller's thread.
      exchange = CompletableFuture.supplyAsync(() -> exchange(t), executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(failed("revocation checker is closed"));
    }
    return exchange
        .thenCompose(
            ex -> http.sendAsync(ex.request, info -> body(info.statusCode()))
                .thenApply(resp -> verifyOrThrow(resp, t, ex.nonce)))
        // The request timeout covers the headers; this bounds the body too.
        .orTimeout(requestTimeout.toMillis() + 500, TimeUnit.MILLISECONDS)
        .exceptionally(error -> failed(describe(error)));
  }

  /**
   * Whether {@code responder} answers HTTP at all (any status; an empty request draws an OCSP
   * "malformedRequest"): the readiness probe before any certificate was seen. Never exceptional.
   */
  CompletableFuture<Boolean> reachable(URI responder) {
    try {
      HttpRequest request = HttpRequest.newBuilder(responder).timeout(requestTimeout)
          .header("Content-Type", "application/ocsp-request")
          .POST(HttpRequest.BodyPublishers.noBody()).build();
      return http.sendAsync(request, info -> body(info.statusCode()))
          .orTimeout(requestTimeout.toMillis() + 500, TimeUnit.MILLISECONDS)
          .handle((response, error) -> response != null);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(false);
    }
  }

  /** One request and the nonce extension value it carries (null without nonce). */
  private record Exchange(HttpRequest request, byte[] nonce) {}

  OcspAnswer failed(String why) {
    return OcspAnswer.failed(
        RevocationDecision.unavailable(why, policy), nanos(clock.millis()) + FAILURE_MEMORY.toNanos());
  }

  /** The cache's ticker: wall-clock, because expiry follows the responder's wall-clock nextUpdate. */
  static long nanos(long epochMillis) {
    return TimeUnit.MILLISECONDS.toNanos(epochMillis);
  }

  private Exchange exchange(RevocationTarget t) {
    try {
      OCSPReqBuilder builder = new OCSPReqBuilder().addRequest(t.certId);
      byte[] nonce = null;
      if (useNonce) {
        byte[] value = new byte[16];
        random.nextBytes(value);
        nonce = new DEROctetString(value).getEncoded();
        builder.setRequestExtensions(
            new Extensions(new Extension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce, false, nonce)));
      }
      HttpRequest request =
          HttpRequest.newBuilder(t.responder)
              .timeout(requestTimeout)
              .header("Content-Type", "application/ocsp-request")
              .header("Accept", "application/ocsp-response")
              .POST(HttpRequest.BodyPublishers.ofByteArray(builder.build().getEncoded()))
              .build();
      return new Exchange(request, nonce);
    } catch (Exception e) {
      throw new CompletionException(new OcspUnavailableException("cannot build the OCSP request"));
    }
  }

  private OcspAnswer verifyOrThrow(HttpResponse<byte[]> resp, RevocationTarget t, byte[] nonce) {
    try {
      return verify(resp, t, nonce);
    } catch (OcspUnavailableException e) {
      throw new CompletionException(e);
    }
  }

  private OcspAnswer verify(HttpResponse<byte[]> resp, RevocationTarget t, byte[] nonce)
      throws OcspUnavailableException {
    if (resp.statusCode() != 200 || resp.body() == null) {
      throw new OcspUnavailableException("OCSP responder answered HTTP " + resp.statusCode());
    }
    BasicOCSPResp basic;
    try {
      OCSPResp ocsp = new OCSPResp(resp.body());
      if (ocsp.getStatus() != OCSPResp.SUCCESSFUL) {
        throw new OcspUnavailableException("OCSP responder refused: status " + ocsp.getStatus());
      }
      Object object = ocsp.getResponseObject();
      if (!(object instanceof BasicOCSPResp)) {
        throw new OcspUnavailableException("OCSP response is not a basic response");
      }
      basic = (BasicOCSPResp) object;
    } catch (IOException | RuntimeException | org.bouncycastle.cert.ocsp.OCSPException e) {
      throw new OcspUnavailableException("malformed OCSP response");
    }
    Instant now = clock.instant();
    checkSignedByAuthorizedResponder(basic, t, Date.from(now));
    if (nonce != null) {
      Extension echoed = basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
      if (echoed == null || !MessageDigest.isEqual(echoed.getExtnValue().getOctets(), nonce)) {
        throw new OcspUnavailableException("OCSP response does not echo the request nonce");
      }
    }
    SingleResp single = matching(basic, t.certId);
    Instant thisUpdate = single.getThisUpdate().toInstant();
    if (thisUpdate.isAfter(now.plus(SKEW))) {
      throw new OcspUnavailableException("OCSP response thisUpdate is in the future");
    }
    Instant nextUpdate =
        single.getNextUpdate() != null
            ? single.getNextUpdate().toInstant()
            : thisUpdate.plus(NO_NEXT_UPDATE_VALIDITY);
    if (!nextUpdate.plus(SKEW).isAfter(now)) {
      throw new OcspUnavailableException("OCSP response is stale (nextUpdate " + nextUpdate + ")");
    }
    RevocationDecision decision = decision(single.getCertStatus());
    long lifetimeMillis = Math.max(0, Math.min(nextUpdate.toEpochMilli() - now.toEpochMilli(), maxTtlMillis));
    long nowNanos = nanos(now.toEpochMilli());
    long lifetimeNanos = nanos(lifetimeMillis);
    return OcspAnswer.verified(decision, nowNanos + lifetimeNanos, nowNanos + lifetimeNanos * 2 / 3);
  }

  private void checkSignedByAuthorizedResponder(BasicOCSPResp basic, RevocationTarget t, Date now)
      throws OcspUnavailableException {
    try {
      ContentVerifierProvider issuerKey = verifier(t.issuerHolder);
      if (basic.isSignatureValid(issuerKey)) {
        return;
      }
      X509CertificateHolder[] certs = basic.getCerts();
      for (int i = 0; i < Math.min(certs.length, MAX_RESPONDER_CERTS); i++) {
        X509CertificateHolder responder = certs[i];
        ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(responder.getExtensions());
        if (responder.getIssuer().equals(t.issuerHolder.getSubject())
            && responder.isValidOn(now)
            && eku != null
            && eku.hasKeyPurposeId(KeyPurposeId.id_kp_OCSPSigning)
            && responder.isSignatureValid(issuerKey)
            && basic.isSignatureValid(verifier(responder))) {
          return;
        }
      }
    } catch (Exception e) {
      // Unsupported algorithm or malformed certificate: same verdict as a bad signature.
    }
    throw new OcspUnavailableException(
        "OCSP response is not signed by the issuer or by a responder it delegated (id-kp-OCSPSigning)");
  }

  private ContentVerifierProvider verifier(X509CertificateHolder cert) throws Exception {
    return new JcaContentVerifierProviderBuilder().setProvider(bc).build(cert);
  }

  /** The answer for exactly the asked CertificateID; a response about another serial is refused. */
  private static SingleResp matching(BasicOCSPResp basic, CertificateID asked)
      throws OcspUnavailableException {
    for (SingleResp single : basic.getResponses()) {
      CertificateID id = single.getCertID();
      if (id.getHashAlgOID().equals(asked.getHashAlgOID())
          && Arrays.equals(id.getIssuerNameHash(), asked.getIssuerNameHash())
          && Arrays.equals(id.getIssuerKeyHash(), asked.getIssuerKeyHash())
          && id.getSerialNumber().equals(asked.getSerialNumber())) {
        return single;
      }
    }
    throw new OcspUnavailableException("OCSP response does not cover this certificate");
  }

  private static RevocationDecision decision(CertificateStatus status) throws OcspUnavailableException {
    if (status == CertificateStatus.GOOD) {
      return RevocationDecision.GOOD;
    }
    if (status instanceof RevokedStatus) {
      RevokedStatus revoked = (RevokedStatus) status;
      int code = revoked.hasRevocationReason() ? revoked.getRevocationReason() : 0;
      String reason = code >= 0 && code < REASONS.length ? REASONS[code] : "unknown(" + code + ")";
      return RevocationDecision.revoked(reason, revoked.getRevocationTime().toInstant());
    }
    throw new OcspUnavailableException("OCSP responder does not know this certificate (status unknown)");
  }

  /** One line for the audit log; never includes response bytes or remote error text. */
  static String describe(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof OcspUnavailableException) {
      return e.getMessage();
    }
    if (e instanceof HttpTimeoutException || e instanceof TimeoutException) {
      return "OCSP responder timed out";
    }
    if (e instanceof ConnectException) {
      return "OCSP responder unreachable";
    }
    return "OCSP request failed (" + e.getClass().getSimpleName() + ")";
  }

  static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  private static HttpResponse.BodySubscriber<byte[]> body(int status) {
    return status == 200 ? new BoundedBody(MAX_RESPONSE_BYTES) : HttpResponse.BodySubscribers.replacing(null);
  }

  /** Collects the body but gives up past a limit, so a hostile responder cannot fill the heap. */
  private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final HttpResponse.BodySubscriber<byte[]> delegate = HttpResponse.BodySubscribers.ofByteArray();
    private final long max;
    private long seen;
    private boolean failed;
    private Flow.Subscription subscription;

    BoundedBody(long max) {
      this.max = max;
    }

    @Override
    public java.util.concurrent.CompletionStage<byte[]> getBody() {
      return delegate.getBody();
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      delegate.onSubscribe(s);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
      if (failed) {
        return;
      }
      for (ByteBuffer b : item) {
        seen += b.remaining();
      }
      if (seen > max) {
        failed = true;
        subscription.cancel();
        delegate.onError(new OcspUnavailableException("OCSP response larger than " + max + " bytes"));
      } else {
        delegate.onNext(item);
      }
    }

    @Override
    public void onError(Throwable t) {
      if (!failed) {
        delegate.onError(t);
      }
    }

    @Override
    public void onComplete() {
      if (!failed) {
        delegate.onComplete();
      }
    }
  }
}
