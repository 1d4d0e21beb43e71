package io.gatehouse.transport.auth.revocation;

import static io.gatehouse.transport.auth.revocation.OcspResult.Problem.CLOSED;
import static io.gatehouse.transport.auth.revocation.OcspResult.Problem.HTTP_STATUS;
import static io.gatehouse.transport.auth.revocation.OcspResult.Problem.NO_RESPONDER;
import static io.gatehouse.transport.auth.revocation.OcspResult.Problem.TRANSPORT;

import io.gatehouse.transport.fetch.BoundedFetcher;
import io.gatehouse.transport.fetch.FetchException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;

/**
 * One OCSP exchange: builds the request (with a nonce when asked), POSTs it through the bounded
 * fetcher and hands the body to {@link OcspResponseVerifier}. Completes, never exceptionally, with
 * a verified response or a typed failure; caching and policy belong to {@link RevocationChecker}.
 * Everything runs on the given executor, never on the caller's thread.
 */
final class OcspClient {
  /** Largest response body read; real ones are a few KiB even with a delegated responder cert. */
  static final int MAX_RESPONSE_BYTES = 64 * 1024;

  private final BoundedFetcher fetcher;
  private final Executor executor;
  private final boolean useNonce;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  OcspClient(Executor executor, Duration connectTimeout, Duration requestTimeout, boolean useNonce, Clock clock) {
    this.executor = executor;
    // Plain http is the norm for OCSP (RFC 5019): answers are signed and checked, not the channel.
    this.fetcher =
        BoundedFetcher.builder("OCSP response", MAX_RESPONSE_BYTES, connectTimeout, requestTimeout)
            .schemes(BoundedFetcher.Schemes.HTTP_OR_HTTPS)
            .executor(executor)
            .build();
    this.useNonce = useNonce;
    this.clock = clock;
  }

  /** Asks the responder named by {@code t}; never completes exceptionally. */
  CompletableFuture<OcspResult> query(RevocationTarget t) {
    if (t.responder == null) {
      return CompletableFuture.completedFuture(
          new OcspResult.Failed(NO_RESPONDER, "certificate names no OCSP responder and none is configured"));
    }
    CompletableFuture<Exchange> exchange;
    try {
      // Even building the request (the nonce reads the OS entropy source) stays off the caller's thread.
      exchange = CompletableFuture.supplyAsync(() -> exchange(t), executor);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(new OcspResult.Failed(CLOSED, "revocation checker is closed"));
    }
    return exchange
        .thenCompose(ex -> fetcher.send(ex.request).thenApply(resp -> verify(resp, t, ex.nonce)))
        .exceptionally(OcspClient::failure);
  }

  /**
   * Whether {@code responder} answers HTTP at all (any status; an empty request draws an OCSP
   * "malformedRequest"): the readiness probe before any certificate was seen. Never exceptional.
   */
  CompletableFuture<Boolean> reachable(URI responder) {
    try {
      HttpRequest request = fetcher.request(responder)
          .header("Content-Type", "application/ocsp-request")
          .POST(HttpRequest.BodyPublishers.noBody()).build();
      return fetcher.send(request).handle((response, error) -> response != null);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(false);
    }
  }

  /** One request and the nonce extension value it carries (null without nonce). */
  private record Exchange(HttpRequest request, byte[] nonce) {}

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
          fetcher.request(t.responder)
              .header("Content-Type", "application/ocsp-request")
              .header("Accept", "application/ocsp-response")
              .POST(HttpRequest.BodyPublishers.ofByteArray(builder.build().getEncoded()))
              .build();
      return new Exchange(request, nonce);
    } catch (Exception e) {
      throw new CompletionException(new OcspUnavailableException(TRANSPORT, "cannot build the OCSP request"));
    }
  }

  private OcspResult verify(BoundedFetcher.Response resp, RevocationTarget t, byte[] nonce) {
    if (resp.status() != 200) {
      return new OcspResult.Failed(HTTP_STATUS, "OCSP responder answered HTTP " + resp.status());
    }
    try {
      return OcspResponseVerifier.verify(resp.body(), t, nonce, clock.instant());
    } catch (OcspUnavailableException e) {
      return e.toResult();
    }
  }

  private static OcspResult failure(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    if (e instanceof OcspUnavailableException unavailable) {
      return unavailable.toResult();
    }
    if (e instanceof FetchException fetch) {
      return switch (fetch.kind()) {
        case TIMEOUT -> new OcspResult.Failed(TRANSPORT, "OCSP responder timed out");
        case UNREACHABLE -> new OcspResult.Failed(TRANSPORT, "OCSP responder unreachable");
        case CLOSED -> new OcspResult.Failed(CLOSED, "revocation checker is closed");
        case TOO_LARGE, SCHEME_REFUSED, FAILED -> new OcspResult.Failed(TRANSPORT, fetch.getMessage());
      };
    }
    return new OcspResult.Failed(TRANSPORT, "OCSP request failed (" + e.getClass().getSimpleName() + ")");
  }
}
