package io.gatehouse.ca.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CaConfig;
import io.gatehouse.ca.authority.CaLayout;
import io.gatehouse.ca.authority.Crypto;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.authority.SecureFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;

/**
 * The CA's JWT signing key: {@code <dir>/ca/jwt.key} (encrypted PKCS#8 under the CA passphrase,
 * mode 0600) and its public JWK set {@code <dir>/ca/jwks.json}, created together on first use.
 * The {@code kid} is the key's RFC 7638 JWK thumbprint (SHA-256).
 */
public final class JwtSigningKey {
  private final JWSAlgorithm algorithm;
  private final JWK publicJwk;
  private final JWSSigner signer;

  private JwtSigningKey(JWSAlgorithm algorithm, JWK publicJwk, JWSSigner signer) {
    this.algorithm = algorithm;
    this.publicJwk = publicJwk;
    this.signer = signer;
  }

  /** The private key file. */
  public static Path keyFile(CaLayout layout) {
    return layout.caDir().resolve("jwt.key");
  }

  /** The public JWK set file. */
  public static Path jwksFile(CaLayout layout) {
    return layout.caDir().resolve("jwks.json");
  }

  /**
   * Loads the signing key, creating it (with the algorithm from {@code ca.json}) when absent.
   * A concurrent creator loses the race harmlessly: the first key moved into place wins.
   */
  public static JwtSigningKey loadOrCreate(CaLayout layout, CaConfig config, char[] passphrase)
      throws CaException {
    JWSAlgorithm algorithm = JWSAlgorithm.parse(config.tokenAlgorithm());
    Path keyFile = keyFile(layout);
    if (!Files.exists(keyFile)) {
      KeyPair pair = keyType(algorithm).generate();
      PemFiles.writeEncryptedKey(keyFile, pair.getPrivate(), passphrase);
    }
    JwtSigningKey key = of(algorithm, PemFiles.readEncryptedKey(keyFile, passphrase));
    Path jwks = jwksFile(layout);
    byte[] published = key.publicJwks().toString(true).getBytes(StandardCharsets.UTF_8);
    try {
      if (!Files.exists(jwks) || !Arrays.equals(Files.readAllBytes(jwks), published)) {
        SecureFiles.writePublic(jwks, published);
      }
    } catch (java.io.IOException e) {
      throw new CaException("cannot read " + jwks + ": " + SecureFiles.reason(e), e);
    }
    return key;
  }

  /** A signing key for {@code algorithm} from its private key. */
  static JwtSigningKey of(JWSAlgorithm algorithm, PrivateKey privateKey) throws CaException {
    try {
      if (JWSAlgorithm.ES256.equals(algorithm) && privateKey instanceof ECPrivateKey ec) {
        ECPublicKey pub = (ECPublicKey) publicKeyOf(privateKey);
        // Nimbus wants the algorithm named "EC" (BouncyCastle says "ECDSA"): re-wrap as a JDK key.
        ECPrivateKey jdk = (ECPrivateKey) KeyFactory.getInstance("EC")
            .generatePrivate(new PKCS8EncodedKeySpec(ec.getEncoded()));
        ECDSASigner signer = new ECDSASigner(jdk, Curve.P_256);
        signer.getJCAContext().setProvider(Crypto.BC);
        return new JwtSigningKey(algorithm, new ECKey.Builder(Curve.P_256, pub).keyUse(KeyUse.SIGNATURE).keyIDFromThumbprint().build(), signer);
      }
      if (JWSAlgorithm.RS256.equals(algorithm) && privateKey instanceof RSAPrivateCrtKey rsa) {
        RSAPublicKey pub = (RSAPublicKey) KeyFactory.getInstance("RSA")
            .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
        RSASSASigner signer = new RSASSASigner(rsa);
        signer.getJCAContext().setProvider(Crypto.BC);
        return new JwtSigningKey(algorithm, new RSAKey.Builder(pub).keyUse(KeyUse.SIGNATURE).keyIDFromThumbprint().build(), signer);
      }
      if (JWSAlgorithm.EdDSA.equals(algorithm) && KeyType.of(privateKey) == KeyType.ED25519) {
        byte[] raw = ((Ed25519PrivateKeyParameters) PrivateKeyFactory.createKey(
            PrivateKeyInfo.getInstance(privateKey.getEncoded()))).generatePublicKey().getEncoded();
        return new JwtSigningKey(algorithm,
            new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(raw))
                .keyUse(KeyUse.SIGNATURE).keyIDFromThumbprint().build(),
            new Ed25519JwsSigner(privateKey));
      }
    } catch (GeneralSecurityException | JOSEException | InvalidRequestException | java.io.IOException e) {
      throw new CaException("JWT signing key is unusable: " + e.getMessage(), e);
    }
    throw new CaException("JWT signing key does not match algorithm " + algorithm
        + " in ca.json: restore the matching jwt.key");
  }

  /** The JWS algorithm ({@code alg}). */
  public JWSAlgorithm algorithm() {
    return algorithm;
  }

  /** The key id: the JWK's SHA-256 thumbprint. */
  public String keyId() {
    return publicJwk.getKeyID();
  }

  /** Signs {@code jwt} in place (EST enrollment tokens, which live in another package). */
  public void sign(com.nimbusds.jwt.SignedJWT jwt) throws JOSEException {
    jwt.sign(signer);
  }

  /** The public JWK set, as served at {@code /jwks.json}. */
  public JWKSet publicJwks() {
    return new JWKSet(publicJwk);
  }

  /** The signer (thread-safe). */
  JWSSigner signer() {
    return signer;
  }

  private static KeyType keyType(JWSAlgorithm algorithm) {
    if (JWSAlgorithm.RS256.equals(algorithm)) {
      return KeyType.RSA_2048;
    }
    return JWSAlgorithm.EdDSA.equals(algorithm) ? KeyType.ED25519 : KeyType.EC_P256;
  }

  /** Derives the EC public key from the private key's BouncyCastle form. */
  private static PublicKey publicKeyOf(PrivateKey privateKey) throws GeneralSecurityException {
    org.bouncycastle.jce.interfaces.ECPrivateKey bc = (org.bouncycastle.jce.interfaces.ECPrivateKey) privateKey;
    org.bouncycastle.jce.spec.ECParameterSpec spec = bc.getParameters();
    org.bouncycastle.math.ec.ECPoint q = spec.getG().multiply(bc.getD()).normalize();
    return KeyFactory.getInstance("EC", Crypto.BC)
        .generatePublic(new org.bouncycastle.jce.spec.ECPublicKeySpec(q, spec));
  }
}
