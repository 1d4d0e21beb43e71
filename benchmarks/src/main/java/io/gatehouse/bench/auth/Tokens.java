package io.gatehouse.bench.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.EdECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/**
 * Signing keys and realistic access tokens for each JWS algorithm Gatehouse verifies: {@code iss},
 * {@code sub}, {@code aud}, {@code exp}, {@code iat}, {@code jti} and a {@code roles} claim.
 */
final class Tokens {
  static final String ISSUER = "https://ca.gatehouse.local";
  static final String AUDIENCE = "https://localhost:8443/mcp";

  /** A verification key (public half only, except the HMAC secret) and a token it verifies. */
  record Signed(JWK verificationKey, String token) {}

  private Tokens() {}

  /** A fresh key for {@code algorithm} and a token signed with it, valid for an hour. */
  static Signed create(String algorithm) throws Exception {
    String kid = algorithm.toLowerCase() + "-bench";
    JWSAlgorithm alg = JWSAlgorithm.parse(algorithm);
    return switch (algorithm) {
      case "RS256", "PS256" -> {
        RSAKey key = new RSAKeyGenerator(2048).keyID(kid).generate();
        yield new Signed(key.toPublicJWK(), sign(alg, kid, new RSASSASigner(key)));
      }
      case "ES256" -> {
        ECKey key = new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        yield new Signed(key.toPublicJWK(), sign(alg, kid, new ECDSASigner(key)));
      }
      case "HS256" -> {
        OctetSequenceKey key = new OctetSequenceKeyGenerator(256).keyID(kid).generate();
        yield new Signed(key, sign(alg, kid, new MACSigner(key)));
      }
      case "EdDSA" -> ed25519(kid);
      default -> throw new IllegalArgumentException(algorithm);
    };
  }

  private static String sign(JWSAlgorithm alg, String kid, JWSSigner signer) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims());
    jwt.sign(signer);
    return jwt.serialize();
  }

  /** Nimbus's Ed25519 signer needs Google Tink; the signature is one JCA call. */
  private static Signed ed25519(String kid) throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    String header = Base64URL.encode("{\"alg\":\"EdDSA\",\"kid\":\"" + kid + "\"}").toString();
    String payload = Base64URL.encode(claims().toString()).toString();
    Signature signer = Signature.getInstance("Ed25519");
    signer.initSign(pair.getPrivate());
    signer.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
    String token = header + "." + payload + "." + Base64URL.encode(signer.sign());
    // The JWK "x" is the raw little-endian point encoding: take it from the X.509 form.
    byte[] spki = ((EdECPublicKey) pair.getPublic()).getEncoded();
    byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    JWK jwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build();
    return new Signed(jwk, token);
  }

  private static JWTClaimsSet claims() {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .subject("bob")
        .audience(AUDIENCE)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofHours(1))))
        .jwtID(UUID.randomUUID().toString())
        .claim("roles", List.of("viewer"))
        .build();
  }
}
