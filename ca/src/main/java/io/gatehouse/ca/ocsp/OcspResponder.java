package io.gatehouse.ca.ocsp;

import io.gatehouse.ca.authority.Crypto;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.CertificateStore;
import io.gatehouse.ca.db.RevocationReason;
import io.gatehouse.ca.db.StoreIntegrity;
import io.gatehouse.ca.authority.IssuerKey;
import java.io.IOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPRespBuilder;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.OCSPRespBuilder;
import org.bouncycastle.cert.ocsp.Req;
import org.bouncycastle.cert.ocsp.RespID;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.UnknownStatus;
import org.bouncycastle.operator.DigestCalculatorProvider;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An RFC 6960 / RFC 5019 OCSP responder over the CA store. Responses without a nonce are signed
 * once per certificate ID and reused until half their validity has passed, or until {@link
 * #invalidate()} (called when the store changes); responses to requests with a nonce are signed
 * fresh, echoing the nonce — one signature per request, which is what a nonce costs.
 *
 * <p>Nothing is asserted from a store that fails its audit chain ({@link StoreIntegrity}): every
 * row is checked against the chain before it is answered, and once the store has failed every
 * request gets {@code tryLater}. While the store is unreachable, only answers signed before it
 * went away are served, until their nextUpdate; everything else gets {@code tryLater}.
 */
public final class OcspResponder {
  /** Most certificates accepted in one request. */
  public static final int MAX_REQUESTS = 16;
  /** RFC 8954: nonces are 1 to 32 octets. */
  public static final int MAX_NONCE_LENGTH = 32;
  /** How long after a certificate's notAfter its status is still asserted. */
  private static final Duration EXPIRY_MARGIN = Duration.ofHours(1);
  private static final int CACHE_SIZE = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(OcspResponder.class);

  private final CertificateStore store;
  private final StoreIntegrity integrity;
  private final X509CertificateHolder issuer;
  private final Duration validity;
  private final Clock clock;
  private final DigestCalculatorProvider digests;
  private final AtomicReference<OcspSigner> signer;
  /**
   * Bumped by every invalidation. An answer signed while an invalidation happened (a revocation or
   * a signer rotation racing the request) carries the old generation and is never served again.
   */
  private final AtomicLong generation = new AtomicLong();
  private final Map<String, PreSigned> cache = Collections.synchronizedMap(
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreSigned> eldest) {
          return size() > CACHE_SIZE;
        }
      });

  /** A pre-signed answer and the cache generation it was signed in. */
  private record PreSigned(OcspAnswer answer, long generation) {}

  /**
   * A responder for certificates issued by {@code issuer}.
   *
   * @param validity nextUpdate − thisUpdate of a response
   */
  public OcspResponder(CertificateStore store, X509Certificate issuer, OcspSigner signer,
      Duration validity, Clock clock) {
    this(store, new StoreIntegrity(store, IssuerKey.headVerifier(issuer)), issuer, signer, validity, clock);
  }

  /**
   * A responder whose answers are checked against {@code integrity} (shared with whoever refreshes
   * it on store changes); it is verified here once if nobody has yet.
   */
  public OcspResponder(CertificateStore store, StoreIntegrity integrity, X509Certificate issuer,
      OcspSigner signer, Duration validity, Clock clock) {
    this.store = store;
    this.integrity = integrity;
    if (integrity.notReadyReason() != null && !integrity.failed() && integrity.unreachableSince() == null) {
      try {
        integrity.refresh();
      } catch (Exception e) {
        LOG.warn("cannot verify the CA store yet: {}", e.getMessage());
      }
    }
    this.validity = validity;
    this.clock = clock;
    this.signer = new AtomicReference<>(signer);
    try {
      this.issuer = new JcaX509CertificateHolder(issuer);
      this.digests = new JcaDigestCalculatorProviderBuilder().setProvider(Crypto.BC).build();
    } catch (CertificateEncodingException | org.bouncycastle.operator.OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Forgets every pre-signed response; the next request for each is signed afresh. */
  public void invalidate() {
    generation.incrementAndGet();
    cache.clear();
  }

  /** Replaces the delegated signer (rotation) and drops responses signed by the old one. */
  public void replaceSigner(OcspSigner next) {
    signer.set(next);
    invalidate();
  }

  /** The integrity state this responder answers under. */
  public StoreIntegrity integrity() {
    return integrity;
  }

  /** The current delegated signer. */
  public OcspSigner signer() {
    return signer.get();
  }

  /** Answers a DER {@code OCSPRequest}; never throws: failures become OCSP error responses. */
  public OcspAnswer respond(byte[] requestDer) {
    OCSPReq request;
    Extension nonce;
    try {
      request = new OCSPReq(requestDer);
      nonce = nonce(request);
      int count = request.getRequestList().length;
      if (count == 0 || count > MAX_REQUESTS) {
        return error(OCSPRespBuilder.MALFORMED_REQUEST);
      }
    } catch (IOException | RuntimeException e) {
      return error(OCSPRespBuilder.MALFORMED_REQUEST);
    }
    if (integrity.failed()) {
      return error(OCSPRespBuilder.TRY_LATER);
    }
    try {
      Req[] items = request.getRequestList();
      Instant unreachable = integrity.unreachableSince();
      if (nonce != null || items.length > 1) {
        return unreachable != null ? error(OCSPRespBuilder.TRY_LATER) : sign(items, nonce);
      }
      String key = Base64.getEncoder().encodeToString(items[0].getCertID().toASN1Primitive().getEncoded());
      Instant now = clock.instant();
      long current = generation.get();
      PreSigned cached = cache.get(key);
      if (unreachable != null) {
        // Answers signed while the store was reachable stay true until their nextUpdate; nothing new.
        return cached != null && cached.answer().thisUpdate().isBefore(unreachable)
            && now.isBefore(cached.answer().nextUpdate())
            ? cached.answer() : error(OCSPRespBuilder.TRY_LATER);
      }
      if (cached != null && cached.generation() == current && now.isBefore(refreshAt(cached.answer()))) {
        return cached.answer();
      }
      OcspAnswer fresh = sign(items, null);
      cache.put(key, new PreSigned(fresh, current));
      return fresh;
    } catch (io.gatehouse.ca.db.IntegrityException e) {
      return error(OCSPRespBuilder.TRY_LATER);
    } catch (Exception e) {
      LOG.warn("OCSP responder internal error: {}", e.toString());
      return error(OCSPRespBuilder.INTERNAL_ERROR);
    }
  }

  private Instant refreshAt(OcspAnswer answer) {
    return answer.thisUpdate().plus(Duration.between(answer.thisUpdate(), answer.nextUpdate()).dividedBy(2));
  }

  private OcspAnswer sign(Req[] items, Extension nonce) throws Exception {
    OcspSigner current = signer.get();
    Instant thisUpdate = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant signerEnd = current.certificate().getNotAfter().toInstant();
    Instant nextUpdate = min(thisUpdate.plus(validity), signerEnd);
    BasicOCSPRespBuilder builder = new BasicOCSPRespBuilder(
        issuerOf(current).getSubjectPublicKeyInfo(), digests.get(CertificateID.HASH_SHA1));
    for (Req item : items) {
      CertificateID id = item.getCertID();
      Optional<CertificateRecord> record = id.matchesIssuer(issuer, digests)
          ? store.find(id.getSerialNumber())
          : Optional.empty();
      if (id.matchesIssuer(issuer, digests)) {
        integrity.checkRow(id.getSerialNumber(), record);
      }
      Instant itemNext = nextUpdate;
      if (record.isPresent()) {
        Instant cap = record.get().notAfter().plus(EXPIRY_MARGIN);
        itemNext = min(nextUpdate, cap.isAfter(thisUpdate.plusSeconds(60)) ? cap : thisUpdate.plusSeconds(60));
      }
      builder.addResponse(id, status(record), Date.from(thisUpdate), Date.from(itemNext), null);
      nextUpdate = min(nextUpdate, itemNext);
    }
    if (nonce != null) {
      builder.setResponseExtensions(new Extensions(nonce));
    }
    X509CertificateHolder[] chain = {new JcaX509CertificateHolder(current.certificate())};
    OCSPResp response = new OCSPRespBuilder().build(OCSPRespBuilder.SUCCESSFUL,
        builder.build(current.key().contentSigner(), chain, Date.from(thisUpdate)));
    return new OcspAnswer(response.getEncoded(), thisUpdate, nextUpdate, nonce == null);
  }

  private static X509CertificateHolder issuerOf(OcspSigner signer) throws CertificateEncodingException {
    return new JcaX509CertificateHolder(signer.certificate());
  }

  private static CertificateStatus status(Optional<CertificateRecord> record) {
    if (record.isEmpty()) {
      return new UnknownStatus();
    }
    CertificateRecord known = record.get();
    if (known.revokedAt() == null) {
      return CertificateStatus.GOOD;
    }
    Date when = Date.from(known.revokedAt());
    return known.revocationReason() == RevocationReason.UNSPECIFIED
        ? new RevokedStatus(when)
        : new RevokedStatus(when, known.revocationReason().code());
  }

  /** The request's nonce extension, echoed as received; null when absent. */
  private static Extension nonce(OCSPReq request) throws IOException {
    Extension extension = request.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
    if (extension == null) {
      return null;
    }
    byte[] value = extension.getExtnValue().getOctets();
    byte[] nonce;
    try {
      nonce = ASN1OctetString.getInstance(ASN1Primitive.fromByteArray(value)).getOctets();
    } catch (IOException | RuntimeException e) {
      nonce = value; // pre-RFC 8954 clients send the raw bytes
    }
    if (nonce.length == 0 || nonce.length > MAX_NONCE_LENGTH) {
      throw new IOException("nonce length " + nonce.length + " outside 1.." + MAX_NONCE_LENGTH);
    }
    return extension;
  }

  private static OcspAnswer error(int status) {
    try {
      return new OcspAnswer(new OCSPRespBuilder().build(status, null).getEncoded(), null, null, false);
    } catch (IOException | OCSPException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }
}
