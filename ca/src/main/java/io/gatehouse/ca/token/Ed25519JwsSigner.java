package io.gatehouse.ca.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.util.Base64URL;
import io.gatehouse.ca.authority.Crypto;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Set;

/**
 * EdDSA (Ed25519) JWS signing through the JCA (BouncyCastle). Nimbus's own Ed25519Signer needs
 * Google Tink, which Gatehouse does not ship; the algorithm is one JCA call.
 */
final class Ed25519JwsSigner implements JWSSigner {
  private final PrivateKey key;
  private final JCAContext context = new JCAContext();

  Ed25519JwsSigner(PrivateKey key) {
    this.key = key;
  }

  @Override
  public Base64URL sign(JWSHeader header, byte[] signingInput) throws JOSEException {
    if (!JWSAlgorithm.EdDSA.equals(header.getAlgorithm())) {
      throw new JOSEException("Ed25519 key cannot sign " + header.getAlgorithm());
    }
    try {
      Signature signature = Signature.getInstance("Ed25519", Crypto.BC);
      signature.initSign(key);
      signature.update(signingInput);
      return Base64URL.encode(signature.sign());
    } catch (GeneralSecurityException e) {
      throw new JOSEException("Ed25519 signing failed", e);
    }
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return Set.of(JWSAlgorithm.EdDSA);
  }

  @Override
  public JCAContext getJCAContext() {
    return context;
  }
}
