package io.gatehouse.transport.auth.jwt;

import static io.gatehouse.transport.auth.jwt.Tokens.claims;
import static io.gatehouse.transport.auth.jwt.Tokens.good;
import static io.gatehouse.transport.auth.jwt.Tokens.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.testing.TestCerts;
import io.gatehouse.testing.MutableClock;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JwtAuthenticatorTest {
  private static final ECKey EC = Tokens.ecKey("k1");
  private static final RSAKey RSA = Tokens.rsaKey("r1");

  @TempDir Path dir;

  private static JwtAuthenticator.Builder authenticator(JWK... keys) throws IOException {
    return JwtAuthenticator.builder()
        .issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE)
        .keys(JwtKeys.of(new JWKSet(List.of(keys))));
  }

  private static final JwtAuthenticator DEFAULT;

  static {
    try {
      DEFAULT = authenticator(EC, RSA).build();
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @Test
  void goodTokenYieldsIssuerQualifiedSubjectRolesAndJti() {
    JWTClaimsSet claims = claims(Instant.now()).claim("roles", List.of("viewer", "hr.reader")).build();
    Principal p = accepted(DEFAULT, sign(EC, claims));
    assertThat(p.id()).isEqualTo("https://issuer.example#bob");
    assertThat(p.roles()).containsExactlyInAnyOrder("viewer", "hr.reader");
    assertThat(p.method()).isEqualTo(AuthMethod.JWT);
    assertThat(p.credentialId()).isEqualTo(claims.getJWTID());
  }

  @Test
  void noAuthorizationOrAnotherSchemeIsNotPresent() {
    assertThat(DEFAULT.authenticate(AuthRequest.builder().build()))
        .isInstanceOf(AuthResult.NotPresent.class);
    assertThat(DEFAULT.authenticate(AuthRequest.builder().header("Authorization", "Basic Ym9iOnB3").build()))
        .isInstanceOf(AuthResult.NotPresent.class);
    assertThat(DEFAULT.authenticate(AuthRequest.builder().header("authorization", "bearer " + sign(EC, good())).build()))
        .isInstanceOf(AuthResult.Authenticated.class);
  }

  @Test
  void refusesBadClaims() {
    Instant now = Instant.now();
    rejected(DEFAULT, sign(EC, claims(now).audience("https://other.example/mcp").build()), "aud");
    rejected(DEFAULT, sign(EC, claims(now).issuer("https://evil.example").build()), "iss");
    rejected(DEFAULT, sign(EC, claims(now).expirationTime(Date.from(now.minusSeconds(120))).build()), "Expired");
    rejected(DEFAULT, sign(EC, claims(now).notBeforeTime(Date.from(now.plusSeconds(120))).build()), "before use time");
    rejected(DEFAULT, sign(EC, claims(now).expirationTime(null).build()), "exp");
    rejected(DEFAULT, sign(EC, claims(now).subject(null).build()), "sub");
    rejected(DEFAULT, sign(EC, claims(now).issueTime(Date.from(now.plusSeconds(120))).build()), "future");
    rejected(DEFAULT, sign(EC, claims(now).claim("roles", "viewer").build()), "roles claim");
    rejected(DEFAULT, sign(EC, claims(now).claim("roles", List.of(1, 2)).build()), "roles claim");
    rejected(DEFAULT, sign(EC, claims(now).claim("roles", List.of("Bad Role")).build()), "invalid role name");
    // Within the 60 s skew: still fine.
    accepted(DEFAULT, sign(EC, claims(now).expirationTime(Date.from(now.minusSeconds(20))).build()));
  }

  @Test
  void refusesAlgNoneInEverySpelling() {
    String payload = Tokens.b64(good().toString());
    for (String alg : List.of("none", "None", "NONE", "nOnE")) {
      String header = Tokens.b64("{\"alg\":\"" + alg + "\",\"kid\":\"k1\"}");
      rejected(DEFAULT, header + "." + payload + ".", "compact JWS");
      rejected(DEFAULT, header + "." + payload + ".c2ln", alg.equals("none") ? "alg none" : "not allowed");
    }
  }

  @Test
  void refusesHs256SignedWithThePublicKey() throws Exception {
    byte[] der = RSA.toRSAPublicKey().getEncoded();
    byte[] pem = ("-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(der)
        + "\n-----END PUBLIC KEY-----\n").getBytes(StandardCharsets.US_ASCII);
    JwtAuthenticator withHmacAllowed =
        authenticator(EC, RSA).algorithms(List.of("RS256", "HS256")).build();
    for (byte[] secret : List.of(der, pem)) {
      String token = Tokens.hmac("{\"alg\":\"HS256\",\"kid\":\"r1\"}", good(), secret);
      rejected(DEFAULT, token, "not allowed");
      rejected(withHmacAllowed, token, "no key for kid");
    }
  }

  @Test
  void refusesUnknownKidAndForeignKeys() {
    ECKey other = Tokens.ecKey("k2");
    rejected(DEFAULT, sign(other, good()), "no key for kid k2");
    ECKey sameKidOtherKey = Tokens.ecKey("k1");
    rejected(DEFAULT, sign(sameKidOtherKey, good()), "signature invalid");
  }

  @Test
  void neverFollowsEmbeddedJwkJkuOrX5u() throws Exception {
    ECKey attacker = Tokens.ecKey("k1");
    JWSHeader.Builder header =
        new JWSHeader.Builder(JWSAlgorithm.ES256)
            .keyID("k1")
            .jwk(attacker.toPublicJWK())
            .jwkURL(URI.create("http://127.0.0.1:9/jwks.json"))
            .x509CertURL(URI.create("http://127.0.0.1:9/cert.pem"));
    rejected(DEFAULT, sign(attacker, header, good()), "signature invalid");
    // The same headers on a token our key signed change nothing: they are ignored, not used.
    accepted(DEFAULT, sign(EC, header, good()));
  }

  @Test
  void refusesOversizedAndMalformedTokens() {
    String big = sign(EC, claims(Instant.now()).claim("pad", "x".repeat(9000)).build());
    rejected(DEFAULT, big, "larger than 8192");
    String token = sign(EC, good());
    rejected(DEFAULT, token + ".extra", "compact JWS");
    rejected(DEFAULT, token.substring(0, token.lastIndexOf('.')), "compact JWS");
    rejected(DEFAULT, token + "=", "base64url");
    rejected(DEFAULT, token.replaceFirst("\\.", ".+"), "base64url");
    rejected(DEFAULT, token.replaceFirst("\\.", ". "), "base64url");
    rejected(DEFAULT, "", "empty");
    String notJson = Tokens.b64("{\"alg\":\"ES256\",\"kid\":\"k1\"}") + ".bm90IGpzb24." + "c2ln";
    rejected(DEFAULT, notJson, "signature invalid");
  }

  @Test
  void refusesDuplicateAuthorizationHeaders() {
    String token = sign(EC, good());
    AuthResult result = DEFAULT.authenticate(AuthRequest.builder()
        .header("Authorization", "Bearer " + token).header("Authorization", "Bearer " + token).build());
    assertThat(((AuthResult.Rejected) result).reason()).contains("duplicate");
    assertThat(((AuthResult.Rejected) result).tokenPresented()).isTrue();
  }

  @Test
  void refusesUnknownCriticalHeadersAndWrongTyp() {
    JWSHeader.Builder crit = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1")
        .customParam("gatehouse-test", true).criticalParams(Set.of("gatehouse-test"));
    rejected(DEFAULT, sign(EC, crit, good()), "critical");
    JWSHeader.Builder jose = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").type(JOSEObjectType.JOSE);
    rejected(DEFAULT, sign(EC, jose, good()), "token type");
    for (String typ : List.of("JWT", "at+jwt", "application/at+jwt")) {
      JWSHeader.Builder h = new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("k1").type(new JOSEObjectType(typ));
      accepted(DEFAULT, sign(EC, h, good()));
    }
  }

  @Test
  void certificateBoundTokensMustMatchTheConnectionCertificate() throws Exception {
    X509Certificate bound = TestCerts.client();
    X509Certificate other = TestCerts.client();
    String thumbprint = Base64URL.encode(
        MessageDigest.getInstance("SHA-256").digest(bound.getEncoded())).toString();
    String token = sign(EC, claims(Instant.now()).claim("cnf", Map.of("x5t#S256", thumbprint)).build());
    assertThat(DEFAULT.authenticate(bearer(token, bound))).isInstanceOf(AuthResult.Authenticated.class);
    // The second and third use hit the verified-token cache: the binding is still checked.
    assertThat(reason(DEFAULT.authenticate(bearer(token, other)))).contains("does not match");
    assertThat(reason(DEFAULT.authenticate(bearer(token, null)))).contains("without a certificate");
    String jkt = sign(EC, claims(Instant.now()).claim("cnf", Map.of("jkt", thumbprint)).build());
    assertThat(reason(DEFAULT.authenticate(bearer(jkt, bound)))).contains("x5t#S256");
  }

  @Test
  void cachedTokensStillExpire() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    JwtAuthenticator cached = authenticator(EC).clock(clock).cacheTtl(Duration.ofMinutes(10)).build();
    String token = sign(EC, claims(clock.instant()).expirationTime(Date.from(clock.instant().plusSeconds(30))).build());
    accepted(cached, token);
    accepted(cached, token);
    clock.advance(Duration.ofSeconds(31));
    accepted(cached, token); // cache ended at exp; re-verified, within the 60 s skew
    clock.advance(Duration.ofSeconds(60));
    rejected(cached, token, "Expired");
  }

  @Test
  void otherAlgorithmsWhenAllowed() throws Exception {
    Tokens.Ed25519 ed = Tokens.ed25519Key("e1");
    OctetSequenceKey hmac = new OctetSequenceKeyGenerator(256).keyID("h1").generate();
    JwtAuthenticator all = authenticator(EC, RSA, ed.jwk(), hmac)
        .algorithms(List.of("ES256", "RS256", "PS256", "EdDSA", "HS256")).build();
    accepted(all, sign(EC, good()));
    accepted(all, sign(RSA, good()));
    accepted(all, sign(RSA, new JWSHeader.Builder(JWSAlgorithm.PS256).keyID("r1"), good()));
    accepted(all, Tokens.ed25519(ed, good()));
    accepted(all, sign(hmac, good()));
    rejected(DEFAULT, sign(RSA, good()), "RS256 not allowed");
    rejected(DEFAULT, Tokens.ed25519(ed, good()), "EdDSA not allowed");
    OctetSequenceKey shortSecret = new OctetSequenceKey.Builder(new byte[16]).keyID("s").build();
    assertThatThrownBy(() -> JwtKeys.of(new JWKSet(shortSecret)))
        .hasMessageContaining("shorter than 256 bits");
    assertThatThrownBy(() -> authenticator(EC).algorithms(List.of("none")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void keyFilesInPemJwkAndJwksForm() throws Exception {
    Path pem = dir.resolve("issuer.pem");
    Files.writeString(pem, "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder().encodeToString(EC.toECPublicKey().getEncoded())
        + "\n-----END PUBLIC KEY-----\n");
    Path jwk = Files.writeString(dir.resolve("issuer.jwk"), EC.toPublicJWK().toJSONString());
    Path jwks = Files.writeString(dir.resolve("issuer.jwks"), new JWKSet(List.of(EC, RSA)).toString(true));
    String token = sign(EC, good());
    for (Path file : List.of(pem, jwk, jwks)) {
      JwtAuthenticator a = JwtAuthenticator.builder().issuer(Tokens.ISSUER).audience(Tokens.AUDIENCE)
          .keys(JwtKeys.fromFile(file)).build();
      accepted(a, token); // a PEM key has no kid and so serves any kid
    }
    Path privatePem = Files.writeString(dir.resolve("private.pem"),
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(EC.toECPrivateKey().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    assertThatThrownBy(() -> JwtKeys.fromFile(privatePem)).hasMessageContaining("only public keys");
  }

  static Principal accepted(JwtAuthenticator a, String token) {
    AuthResult result = a.authenticate(bearer(token, null));
    assertThat(result).as("%s", result).isInstanceOf(AuthResult.Authenticated.class);
    return ((AuthResult.Authenticated) result).principal();
  }

  static void rejected(JwtAuthenticator a, String token, String reason) {
    AuthResult result = a.authenticate(bearer(token, null));
    assertThat(reason(result)).contains(reason);
    assertThat(((AuthResult.Rejected) result).tokenPresented()).isTrue();
  }

  static String reason(AuthResult result) {
    assertThat(result).isInstanceOf(AuthResult.Rejected.class);
    return ((AuthResult.Rejected) result).reason();
  }

  static AuthRequest bearer(String token, X509Certificate cert) {
    return AuthRequest.builder()
        .header("Authorization", "Bearer " + token)
        .peerCertificates(cert == null ? List.of() : List.of(cert))
        .build();
  }
}
