package io.gatehouse.transport.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * JWT cases of the attack matrix not already in {@link JwtAuthenticatorTest}, {@link
 * WycheproofJwsTest} and {@link JwksUrlTest}: ECDSA r=s=0 (CVE-2022-21449, "psychic
 * signatures"), kid path traversal, duplicate claims and duplicate header parameters (a parser
 * that kept the last value would let an attacker append a second {@code sub} or {@code alg}).
 */
class JwtAttackGapsTest {
  private static final ECKey EC = Tokens.ecKey("k1");
  private static final JwtAuthenticator AUTH = authenticator();

  private static JwtAuthenticator authenticator() {
    try {
      return JwtAuthenticator.builder().issuer(Tokens.ISSUER).audience(Tokens.AUDIENCE)
          .keys(JwtKeys.of(new JWKSet(List.of(EC)))).build();
    } catch (java.io.IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @Test
  void ecdsaSignatureOfZerosIsRefused() {
    String token = Tokens.sign(EC, Tokens.good());
    String unsigned = token.substring(0, token.lastIndexOf('.') + 1);
    // JWS ES256 signatures are r||s, 32 bytes each; also the DER form some verifiers accept.
    for (byte[] zeros : List.of(new byte[64], new byte[] {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00})) {
      rejected(unsigned + Base64.getUrlEncoder().withoutPadding().encodeToString(zeros));
    }
    accepted(token); // the same header and claims with a real signature pass
  }

  @Test
  void kidPathTraversalFindsNoKey() {
    for (String kid : List.of("../../../../etc/passwd", "/dev/null", "k1/../k1", "k1\u0000", "..\\k1")) {
      ECKey attacker = Tokens.ecKey(kid);
      String token = Tokens.sign(attacker, new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid),
          Tokens.good());
      assertThat(reason(token)).as(kid).contains("no key for kid");
    }
  }

  @Test
  void duplicateClaimsAndHeaderParametersAreRefused() {
    String good = Tokens.sign(EC, Tokens.good());
    String header = new String(Base64.getUrlDecoder().decode(good.substring(0, good.indexOf('.'))));
    String claims = Tokens.good().toString();
    // The signature covers the duplicated JSON, so only parsing can catch it: signed with our key.
    String dupSub = claims.substring(0, claims.length() - 1) + ",\"sub\":\"admin\"}";
    String dupAlg = header.substring(0, header.length() - 1) + ",\"alg\":\"none\"}";
    rejected(signRaw(header, dupSub));
    rejected(signRaw(dupAlg, claims));
    accepted(signRaw(header, claims)); // signRaw itself is sound
  }

  @Test
  void missingExpAndExtraOrMissingSegmentsAreRefused() {
    // Already proven in JwtAuthenticatorTest (refusesBadClaims, refusesOversizedAndMalformedTokens);
    // repeated here once for the matrix count, with an issued-at in the past and no exp.
    rejected(Tokens.sign(EC, Tokens.claims(Instant.now()).expirationTime(null).build()));
    String token = Tokens.sign(EC, Tokens.good());
    rejected(token + "." + token.substring(token.lastIndexOf('.') + 1));
    rejected(token.substring(token.indexOf('.') + 1));
  }

  private static String signRaw(String headerJson, String claimsJson) {
    try {
      String input = Tokens.b64(headerJson) + "." + Tokens.b64(claimsJson);
      com.nimbusds.jose.crypto.ECDSASigner signer = new com.nimbusds.jose.crypto.ECDSASigner(EC);
      com.nimbusds.jose.util.Base64URL signature = signer.sign(
          new JWSHeader(JWSAlgorithm.ES256), input.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return input + "." + signature;
    } catch (com.nimbusds.jose.JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void accepted(String token) {
    assertThat(AUTH.authenticate(request(token))).isInstanceOf(AuthResult.Authenticated.class);
  }

  private static void rejected(String token) {
    reason(token);
  }

  private static String reason(String token) {
    AuthResult result = AUTH.authenticate(request(token));
    assertThat(result).as(token).isInstanceOf(AuthResult.Rejected.class);
    assertThat(((AuthResult.Rejected) result).tokenPresented()).isTrue();
    return ((AuthResult.Rejected) result).reason();
  }

  private static AuthRequest request(String token) {
    return AuthRequest.builder().header("Authorization", "Bearer " + token).build();
  }
}
