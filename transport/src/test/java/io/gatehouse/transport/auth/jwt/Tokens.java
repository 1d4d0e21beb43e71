package io.gatehouse.transport.auth.jwt;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.UUID;

/** Mints test tokens with Nimbus (EdDSA with the JDK, as Nimbus's Ed25519 signer needs Tink). */
final class Tokens {
  static final String ISSUER = "https://issuer.example";
  static final String AUDIENCE = "https://localhost:8443/mcp";

  private Tokens() {}

  static ECKey ecKey(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static RSAKey rsaKey(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).generate();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** An Ed25519 key: the JWK holds only the public part; the JDK key pair signs. */
  record Ed25519(OctetKeyPair jwk, KeyPair pair) {}

  static Ed25519 ed25519Key(String kid) {
    try {
      KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      byte[] spki = pair.getPublic().getEncoded();
      byte[] x = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
      return new Ed25519(
          new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build(), pair);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Claims that pass every check, valid for 5 minutes from {@code now}. */
  static JWTClaimsSet.Builder claims(Instant now) {
    return new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .subject("bob")
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(Duration.ofMinutes(5))))
        .jwtID(UUID.randomUUID().toString())
        .claim("roles", List.of("viewer"));
  }

  static JWTClaimsSet good() {
    return claims(Instant.now()).build();
  }

  /** Signs with {@code key}, the algorithm taken from its type, the kid copied into the header. */
  static String sign(JWK key, JWTClaimsSet claims) {
    JWSAlgorithm alg =
        key instanceof ECKey ? JWSAlgorithm.ES256
            : key instanceof RSAKey ? JWSAlgorithm.RS256
            : JWSAlgorithm.HS256;
    return sign(key, new JWSHeader.Builder(alg).keyID(key.getKeyID()), claims);
  }

  static String sign(JWK key, JWSHeader.Builder header, JWTClaimsSet claims) {
    try {
      JWSSigner signer =
          key instanceof ECKey ec ? new ECDSASigner(ec)
              : key instanceof RSAKey rsa ? new RSASSASigner(rsa)
              : new MACSigner(key.toOctetSequenceKey());
      JWSObject jws = new JWSObject(header.build(), new Payload(claims.toJSONObject()));
      jws.sign(signer);
      return jws.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** HMAC-SHA256 over {@code header.payload} with raw {@code secret} bytes, header as given. */
  static String hmac(String headerJson, JWTClaimsSet claims, byte[] secret) {
    try {
      String input = b64(headerJson) + "." + b64(claims.toString());
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(secret, "HmacSHA256"));
      return input + "." + Base64URL.encode(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String ed25519(Ed25519 key, JWTClaimsSet claims) {
    try {
      String input =
          b64("{\"alg\":\"EdDSA\",\"kid\":\"" + key.jwk().getKeyID() + "\"}")
              + "." + b64(claims.toString());
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(key.pair().getPrivate());
      s.update(input.getBytes(StandardCharsets.US_ASCII));
      return input + "." + Base64URL.encode(s.sign());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String b64(String json) {
    return Base64URL.encode(json.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
