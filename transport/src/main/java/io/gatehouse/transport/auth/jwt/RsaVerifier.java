package io.gatehouse.transport.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Map;
import java.util.Set;

/**
 * RS256/384/512 (RSASSA-PKCS1-v1_5) JWS verification with one initialised {@link Signature} per
 * thread and algorithm. Nimbus's {@code RSASSAVerifier} looks the provider up and initialises a
 * new {@code Signature} on every token; here that happens once per thread. PS256/384/512 (the same
 * key may serve both) stay with Nimbus.
 */
final class RsaVerifier implements JWSVerifier, JwsVerifier.RawVerifier {
  private static final Map<JWSAlgorithm, Integer> INDEX =
      Map.of(JWSAlgorithm.RS256, 0, JWSAlgorithm.RS384, 1, JWSAlgorithm.RS512, 2);
  private static final String[] JCA = {"SHA256withRSA", "SHA384withRSA", "SHA512withRSA"};

  private final RSAPublicKey key;
  private final RSASSAVerifier pss;
  private final ThreadLocal<Signature[]> signatures =
      ThreadLocal.withInitial(() -> new Signature[JCA.length]);
  private final JCAContext jca = new JCAContext();

  RsaVerifier(RSAKey jwk) throws JOSEException {
    this.key = jwk.toRSAPublicKey();
    this.pss = new RSASSAVerifier(key);
  }

  @Override
  public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature)
      throws JOSEException {
    if (!handles(header.getAlgorithm())) {
      return pss.verify(header, signingInput, signature);
    }
    if ((header.getCriticalParams() != null && !header.getCriticalParams().isEmpty())) {
      return false;
    }
    return verify(header.getAlgorithm(), signingInput, signingInput.length, signature.decode());
  }

  /** RS256/384/512 here; PS256/384/512 go through Nimbus's verifier. */
  @Override
  public boolean handles(JWSAlgorithm alg) {
    return INDEX.containsKey(alg);
  }

  @Override
  public boolean verify(JWSAlgorithm alg, byte[] input, int length, byte[] signature) {
    Integer index = INDEX.get(alg);
    if (index == null) {
      return false;
    }
    Signature[] perThread = signatures.get();
    Signature verifier = perThread[index];
    try {
      if (verifier == null) {
        verifier = Signature.getInstance(JCA[index]);
        verifier.initVerify(key);
        perThread[index] = verifier;
      }
      // verify() returns the Signature to its initialised state for the next token.
      verifier.update(input, 0, length);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      perThread[index] = null; // never reuse an instance left in an unknown state
      return false;
    }
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return JWSAlgorithm.Family.RSA;
  }

  @Override
  public JCAContext getJCAContext() {
    return jca;
  }
}
