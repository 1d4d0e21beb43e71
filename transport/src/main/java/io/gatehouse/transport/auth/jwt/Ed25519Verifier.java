package io.gatehouse.transport.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.util.Base64URL;
import io.gatehouse.pki.BouncyCastle;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Set;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;

/**
 * EdDSA (Ed25519) JWS verification through BouncyCastle's JCA provider. Nimbus's own
 * {@code Ed25519Verifier} needs Google Tink on the class path; this one uses the provider the
 * project already ships and is as fast.
 */
final class Ed25519Verifier implements JWSVerifier {
  private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.EdDSA);

  private final PublicKey key;
  private final JCAContext jca = new JCAContext();

  Ed25519Verifier(OctetKeyPair jwk) throws JOSEException {
    if (!Curve.Ed25519.equals(jwk.getCurve())) {
      throw new JOSEException("only Ed25519 keys are supported for EdDSA");
    }
    try {
      SubjectPublicKeyInfo spki =
          new SubjectPublicKeyInfo(
              new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), jwk.getDecodedX());
      this.key =
          KeyFactory.getInstance("Ed25519", BouncyCastle.PROVIDER)
              .generatePublic(new X509EncodedKeySpec(spki.getEncoded()));
    } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
      throw new JOSEException("invalid Ed25519 public key", e);
    }
  }

  @Override
  public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature)
      throws JOSEException {
    if (!ALGORITHMS.contains(header.getAlgorithm())
        || (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty())) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance("Ed25519", BouncyCastle.PROVIDER);
      verifier.initVerify(key);
      verifier.update(signingInput);
      return verifier.verify(signature.decode());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return ALGORITHMS;
  }

  @Override
  public JCAContext getJCAContext() {
    return jca;
  }
}
