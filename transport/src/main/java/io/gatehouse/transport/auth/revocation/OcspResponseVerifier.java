package io.gatehouse.transport.auth.revocation;

import static io.gatehouse.transport.auth.revocation.OcspResult.Problem.MALFORMED;
import static io.gatehouse.transport.auth.revocation.OcspResult.Problem.NONCE_MISMATCH;
import static io.gatehouse.transport.auth.revocation.OcspResult.Problem.NOT_FRESH;
import static io.gatehouse.transport.auth.revocation.OcspResult.Problem.UNAUTHORIZED_SIGNER;
import static io.gatehouse.transport.auth.revocation.OcspResult.Problem.UNKNOWN_CERTIFICATE;
import static io.gatehouse.transport.auth.revocation.OcspResult.Problem.WRONG_CERTIFICATE;

import io.gatehouse.pki.BouncyCastle;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import org.bouncycastle.asn1.ocsp.OCSPObjectIdentifiers;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.CertificateStatus;
import org.bouncycastle.cert.ocsp.OCSPException;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cert.ocsp.RevokedStatus;
import org.bouncycastle.cert.ocsp.SingleResp;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

/**
 * Accepts an OCSP response body (RFC 6960, profile of RFC 5019) only if it is signed by the issuer
 * from the validated path or by a responder that issuer delegated with EKU id-kp-OCSPSigning,
 * covers exactly the asked CertID, is fresh, and echoes the nonce when one was sent. Pure: no I/O,
 * no caching, no policy.
 */
final class OcspResponseVerifier {
  /** Clock skew tolerated on thisUpdate/nextUpdate. */
  static final Duration SKEW = Duration.ofMinutes(1);
  /** How long an answer without nextUpdate ("newer information is always available") is used. */
  static final Duration NO_NEXT_UPDATE_VALIDITY = Duration.ofMinutes(1);
  /** Most embedded certificates examined when looking for a delegated responder. */
  private static final int MAX_RESPONDER_CERTS = 4;

  private static final String[] REASONS = {
    "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
    "cessationOfOperation", "certificateHold", "unknown(7)", "removeFromCRL", "privilegeWithdrawn",
    "aACompromise"
  };

  private OcspResponseVerifier() {}

  /**
   * The verified response in {@code der} for {@code target}.
   *
   * @param nonce the nonce extension value sent, or null when none was
   * @throws OcspUnavailableException saying in one line why the response is not usable
   */
  static OcspResult.Verified verify(byte[] der, RevocationTarget target, byte[] nonce, Instant now)
      throws OcspUnavailableException {
    BasicOCSPResp basic;
    try {
      OCSPResp ocsp = new OCSPResp(der);
      if (ocsp.getStatus() != OCSPResp.SUCCESSFUL) {
        throw new OcspUnavailableException(MALFORMED, "OCSP responder refused: status " + ocsp.getStatus());
      }
      Object object = ocsp.getResponseObject();
      if (!(object instanceof BasicOCSPResp)) {
        throw new OcspUnavailableException(MALFORMED, "OCSP response is not a basic response");
      }
      basic = (BasicOCSPResp) object;
    } catch (IOException | RuntimeException | OCSPException e) {
      throw new OcspUnavailableException(MALFORMED, "malformed OCSP response");
    }
    checkSignedByAuthorizedResponder(basic, target, Date.from(now));
    if (nonce != null) {
      Extension echoed = basic.getExtension(OCSPObjectIdentifiers.id_pkix_ocsp_nonce);
      if (echoed == null || !MessageDigest.isEqual(echoed.getExtnValue().getOctets(), nonce)) {
        throw new OcspUnavailableException(NONCE_MISMATCH, "OCSP response does not echo the request nonce");
      }
    }
    SingleResp single = matching(basic, target.certId);
    Instant thisUpdate = single.getThisUpdate().toInstant();
    if (thisUpdate.isAfter(now.plus(SKEW))) {
      throw new OcspUnavailableException(NOT_FRESH, "OCSP response thisUpdate is in the future");
    }
    Instant nextUpdate =
        single.getNextUpdate() != null
            ? single.getNextUpdate().toInstant()
            : thisUpdate.plus(NO_NEXT_UPDATE_VALIDITY);
    if (!nextUpdate.plus(SKEW).isAfter(now)) {
      throw new OcspUnavailableException(NOT_FRESH, "OCSP response is stale (nextUpdate " + nextUpdate + ")");
    }
    return new OcspResult.Verified(decision(single.getCertStatus()), nextUpdate);
  }

  private static void checkSignedByAuthorizedResponder(BasicOCSPResp basic, RevocationTarget t, Date now)
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
    throw new OcspUnavailableException(UNAUTHORIZED_SIGNER,
        "OCSP response is not signed by the issuer or by a responder it delegated (id-kp-OCSPSigning)");
  }

  private static ContentVerifierProvider verifier(X509CertificateHolder cert) throws Exception {
    return new JcaContentVerifierProviderBuilder().setProvider(BouncyCastle.PROVIDER).build(cert);
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
    throw new OcspUnavailableException(WRONG_CERTIFICATE, "OCSP response does not cover this certificate");
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
    throw new OcspUnavailableException(UNKNOWN_CERTIFICATE,
        "OCSP responder does not know this certificate (status unknown)");
  }
}
