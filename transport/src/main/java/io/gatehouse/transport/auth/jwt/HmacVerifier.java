package io.gatehouse.transport.auth.jwt;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.jca.JCAContext;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.util.Base64URL;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HS256/384/512 JWS verification with one keyed {@link Mac} per thread and algorithm. Nimbus's
 * {@code MACVerifier} looks the provider up and keys a new {@code Mac} on every token, which costs
 * many times the HMAC itself. An algorithm is usable only when the secret is at least as long as
 * its hash (RFC 7518 §3.2), as Nimbus requires. The comparison is constant-time.
 */
final class HmacVerifier implements JWSVerifier, JwsVerifier.RawVerifier {
  private enum Hs {
    HS256(JWSAlgorithm.HS256, "HmacSHA256", 256),
    HS384(JWSAlgorithm.HS384, "HmacSHA384", 384),
    HS512(JWSAlgorithm.HS512, "HmacSHA512", 512);

    final JWSAlgorithm alg;
    final String jca;
    final int bits;

    Hs(JWSAlgorithm alg, String jca, int bits) {
      this.alg = alg;
      this.jca = jca;
      this.bits = bits;
    }
  }

  private final Map<JWSAlgorithm, Hs> usable = new HashMap<>();
  private final Set<JWSAlgorithm> algorithms;
  private final SecretKeySpec[] keys = new SecretKeySpec[Hs.values().length];
  private final ThreadLocal<Mac[]> macs = ThreadLocal.withInitial(() -> new Mac[Hs.values().length]);
  private final JCAContext jca = new JCAContext();

  HmacVerifier(OctetSequenceKey jwk) throws JOSEException {
    byte[] secret = jwk.toByteArray();
    for (Hs hs : Hs.values()) {
      if (secret.length * 8 >= hs.bits) {
        usable.put(hs.alg, hs);
        keys[hs.ordinal()] = new SecretKeySpec(secret, hs.jca);
      }
    }
    if (usable.isEmpty()) {
      throw new JOSEException("HMAC secret shorter than 256 bits");
    }
    this.algorithms = Set.copyOf(usable.keySet());
  }

  @Override
  public boolean verify(JWSHeader header, byte[] signingInput, Base64URL signature)
      throws JOSEException {
    if (header.getCriticalParams() != null && !header.getCriticalParams().isEmpty()) {
      return false;
    }
    return verify(header.getAlgorithm(), signingInput, signingInput.length, signature.decode());
  }

  @Override
  public boolean handles(JWSAlgorithm alg) {
    return true;
  }

  @Override
  public boolean verify(JWSAlgorithm alg, byte[] input, int length, byte[] signature) {
    Hs hs = usable.get(alg);
    if (hs == null) {
      return false;
    }
    Mac[] perThread = macs.get();
    Mac mac = perThread[hs.ordinal()];
    try {
      if (mac == null) {
        mac = Mac.getInstance(hs.jca);
        mac.init(keys[hs.ordinal()]);
        perThread[hs.ordinal()] = mac;
      }
      // doFinal leaves the Mac keyed and reset for the next token.
      mac.update(input, 0, length);
      return MessageDigest.isEqual(mac.doFinal(), signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      perThread[hs.ordinal()] = null;
      return false;
    }
  }

  @Override
  public Set<JWSAlgorithm> supportedJWSAlgorithms() {
    return algorithms;
  }

  @Override
  public JCAContext getJCAContext() {
    return jca;
  }
}
