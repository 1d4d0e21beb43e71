package io.gatehouse.transport.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Principal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * The header and claims parse ({@link JoseJson}) through the whole authenticator, on tokens our
 * own key signed (so only parsing can refuse them): every refusal it adds, and the same verdicts
 * and principals as Nimbus's parse on the token shapes the other tests and real issuers produce.
 */
class JoseJsonTest {
  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final OctetSequenceKey KEY = new OctetSequenceKey.Builder(SECRET).keyID("h1").build();
  private static final String HEADER = "{\"alg\":\"HS256\",\"kid\":\"h1\"}";
  private static final JwtAuthenticator AUTH = authenticator();

  private static JwtAuthenticator authenticator() {
    try {
      return JwtAuthenticator.builder().issuer(Tokens.ISSUER).audience(Tokens.AUDIENCE)
          .algorithms(List.of("HS256")).cacheTtl(Duration.ZERO)
          .keys(JwtKeys.of(new JWKSet(KEY))).build();
    } catch (java.io.IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Valid claims as JSON text, with {@code extra} members (JSON text, may be empty) appended. */
  private static String claims(String extra) {
    long now = Instant.now().getEpochSecond();
    return "{\"iss\":\"" + Tokens.ISSUER + "\",\"aud\":\"" + Tokens.AUDIENCE
        + "\",\"sub\":\"bob\",\"iat\":" + now + ",\"exp\":" + (now + 300)
        + (extra.isEmpty() ? "" : "," + extra) + "}";
  }

  /** Claims with {@code name} replaced by {@code json}. */
  private static String claimsWith(String name, String json) {
    long now = Instant.now().getEpochSecond();
    Map<String, String> members = new java.util.LinkedHashMap<>();
    members.put("iss", "\"" + Tokens.ISSUER + "\"");
    members.put("aud", "\"" + Tokens.AUDIENCE + "\"");
    members.put("sub", "\"bob\"");
    members.put("iat", Long.toString(now));
    members.put("exp", Long.toString(now + 300));
    members.put(name, json);
    StringBuilder out = new StringBuilder("{");
    members.forEach((k, v) -> out.append(out.length() > 1 ? "," : "").append('"').append(k)
        .append("\":").append(v));
    return out.append('}').toString();
  }

  private static String hs256(byte[] header, byte[] claims) {
    try {
      String input = Base64URL.encode(header) + "." + Base64URL.encode(claims);
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
      return input + "." + Base64URL.encode(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hs256(String header, String claims) {
    return hs256(header.getBytes(StandardCharsets.UTF_8), claims.getBytes(StandardCharsets.UTF_8));
  }

  private static AuthResult authenticate(String token) {
    return AUTH.authenticate(AuthRequest.builder().header("Authorization", "Bearer " + token).build());
  }

  private static Principal accepted(String token) {
    AuthResult result = authenticate(token);
    assertThat(result).as(token).isInstanceOf(AuthResult.Authenticated.class);
    return ((AuthResult.Authenticated) result).principal();
  }

  private static void refused(String header, String claims, String reason) {
    refused(hs256(header, claims), reason);
  }

  private static void refused(String token, String reason) {
    AuthResult result = authenticate(token);
    assertThat(result).as(token).isInstanceOf(AuthResult.Rejected.class);
    assertThat(((AuthResult.Rejected) result).reason()).as(token).contains(reason);
  }

  @Test
  void theBaseTokensOfThisTestAreAccepted() {
    accepted(hs256(HEADER, claims("")));
    accepted(hs256(HEADER, claimsWith("sub", "\"alice\"")));
  }

  @Test
  void duplicateMembersAreRefusedInHeaderAndClaimsAtAnyDepth() {
    refused("{\"alg\":\"HS256\",\"alg\":\"HS256\",\"kid\":\"h1\"}", claims(""), "duplicate member");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"kid\":\"h1\"}", claims(""), "duplicate member");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"x\":1,\"x\":2}", claims(""), "duplicate member");
    refused(HEADER, claims("\"sub\":\"admin\""), "duplicate member");
    refused(HEADER, claims("\"exp\":4102444800"), "duplicate member");
    refused(HEADER, claims("\"custom\":{\"a\":1,\"a\":1}"), "duplicate member");
    refused(HEADER, claims("\"cnf\":{\"x5t#S256\":\"a\",\"x5t#S256\":\"b\"}"), "duplicate member");
    refused(HEADER, claims("\"roles\":[\"viewer\"],\"roles\":[\"admin\"]"), "duplicate member");
  }

  @Test
  void everyRegisteredClaimMustHaveItsJsonType() {
    List<String> notStrings = List.of("1", "true", "null", "[]", "{}", "[\"bob\"]");
    for (String claim : List.of("iss", "sub", "jti")) {
      for (String value : notStrings) {
        refused(HEADER, claimsWith(claim, value), claim + " is not a string");
      }
    }
    for (String value : List.of("1", "true", "null", "{}", "[1]", "[\"" + Tokens.AUDIENCE + "\",2]",
        "[null]", "[[\"" + Tokens.AUDIENCE + "\"]]")) {
      refused(HEADER, claimsWith("aud", value), "aud is neither a string nor an array of strings");
    }
    for (String claim : List.of("exp", "nbf", "iat")) {
      for (String value : List.of("\"4102444800\"", "true", "null", "[4102444800]", "{}")) {
        refused(HEADER, claimsWith(claim, value), claim + " is not a number");
      }
    }
    for (String value : List.of("\"x\"", "{}", "{\"x5t#S256\":1}", "{\"jkt\":\"abc\"}", "null", "[]")) {
      refused(HEADER, claimsWith("cnf", value), "cnf claim has no x5t#S256");
    }
    refused(HEADER, claimsWith("roles", "\"viewer\""), "roles claim is not an array of strings");
    refused(HEADER, claimsWith("roles", "[\"viewer\",1]"), "roles claim is not an array of strings");
    // An absent or null roles claim grants nothing, as before.
    assertThat(accepted(hs256(HEADER, claimsWith("roles", "null"))).roles()).isEmpty();
    assertThat(accepted(hs256(HEADER, claimsWith("aud", "[\"x\",\"" + Tokens.AUDIENCE + "\"]")))
        .id()).isEqualTo(Tokens.ISSUER + "#bob");
  }

  @Test
  void everyRegisteredHeaderParameterMustHaveItsJsonType() {
    String c = claims("");
    refused("{\"kid\":\"h1\"}", c, "no alg");
    refused("{\"alg\":null,\"kid\":\"h1\"}", c, "alg is not a string");
    refused("{\"alg\":[\"HS256\"],\"kid\":\"h1\"}", c, "alg is not a string");
    refused("{\"alg\":\"HS256\",\"kid\":1}", c, "kid is not a string");
    refused("{\"alg\":\"HS256\",\"kid\":null}", c, "kid is not a string");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"typ\":1}", c, "typ is not a string");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"cty\":{}}", c, "cty is not a string");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"x5t\":1}", c, "x5t is not a string");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"jku\":\"http://a b\"}", c, "jku is not a URI");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"x5u\":5}", c, "x5u is not a string");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"x5c\":\"MIIB\"}", c, "x5c is not an array");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"x5c\":[\"not base64!\"]}", c, "x5c entry");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"jwk\":\"x\"}", c, "jwk is not an object");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"jwk\":{\"kty\":\"nope\"}}", c, "jwk is not a valid JWK");
    String privateJwk = Tokens.ecKey("e").toJSONString();
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"jwk\":" + privateJwk + "}", c, "private key");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"crit\":[]}", c, "critical");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"b64\":false}", c, "b64");
    // The same parameters with their types are accepted (and never used).
    String publicJwk = Tokens.ecKey("e").toPublicJWK().toJSONString();
    accepted(hs256("{\"alg\":\"HS256\",\"kid\":\"h1\",\"jwk\":" + publicJwk
        + ",\"jku\":\"https://a.example/j\",\"x5t\":\"abc\",\"x5c\":[\"MIIB\"],\"b64\":true,"
        + "\"cty\":\"JWT\",\"typ\":\"at+jwt\",\"custom\":{\"a\":[1,2]}}", c));
  }

  @Test
  void onlyOneUtf8JsonObjectIsAccepted() {
    String c = claims("");
    for (String notObject : List.of("[]", "\"x\"", "1", "null", " " + c, "\t" + c)) {
      refused(HEADER, notObject, "not a UTF-8 JSON object");
      refused(notObject.replace(c, HEADER), c, "not a UTF-8 JSON object");
    }
    refused(hs256(HEADER.getBytes(StandardCharsets.UTF_8), c.getBytes(StandardCharsets.UTF_16LE)),
        "not a UTF-8 JSON object");
    refused(hs256(HEADER.getBytes(StandardCharsets.UTF_16BE), c.getBytes(StandardCharsets.UTF_8)),
        "not a UTF-8 JSON object");
    byte[] overlongSlash = claims("\"x\":\"a_b\"").getBytes(StandardCharsets.UTF_8);
    int at = indexOf(overlongSlash, (byte) '_');
    byte[] overlong = new byte[overlongSlash.length + 1];
    System.arraycopy(overlongSlash, 0, overlong, 0, at);
    overlong[at] = (byte) 0xC0;
    overlong[at + 1] = (byte) 0xAF; // '/' in two bytes: overlong, not UTF-8
    System.arraycopy(overlongSlash, at + 1, overlong, at + 2, overlongSlash.length - at - 1);
    refused(hs256(HEADER.getBytes(StandardCharsets.UTF_8), overlong), "not a UTF-8 JSON object");
    byte[] lone = claims("\"x\":\"a_b\"").getBytes(StandardCharsets.UTF_8);
    lone[indexOf(lone, (byte) '_')] = (byte) 0x80; // a continuation byte alone
    refused(hs256(HEADER.getBytes(StandardCharsets.UTF_8), lone), "not a UTF-8 JSON object");
    refused(HEADER, "{\"iss\":", "not valid JSON");
    refused(HEADER, claims("").replace(",", ",,"), "not valid JSON");
    refused(HEADER, claims("\"x\":'single'"), "not valid JSON");
    refused(HEADER, claims("\"x\":NaN"), "not valid JSON");
    refused(HEADER, claims("\"x\":01"), "not valid JSON");
    refused(HEADER, claims("/* c */\"x\":1"), "not valid JSON");
    // Real non-ASCII text passes.
    assertThat(accepted(hs256(HEADER, claimsWith("sub", "\"j\u00fcrgen-\u6771\u4eac-\ud83d\udd11\"")))
        .id()).isEqualTo(Tokens.ISSUER + "#j\u00fcrgen-\u6771\u4eac-\ud83d\udd11");
  }

  @Test
  void nothingMayFollowTheObject() {
    String c = claims("");
    for (String tail : List.of(" x", "{}", ",", "]", " null", "\"\"")) {
      refused(HEADER, c + tail, "malformed claims");
      refused(HEADER + tail, c, "malformed JWS header");
    }
    accepted(hs256(HEADER + " \n", c + "\r\n\t "));
  }

  @Test
  void nestingIsBounded() {
    int depth = JoseJson.MAX_NESTING_DEPTH; // the top-level object is one level
    String deepest = "[".repeat(depth - 1) + "]".repeat(depth - 1);
    accepted(hs256(HEADER, claims("\"deep\":" + deepest)));
    refused(HEADER, claims("\"deep\":[" + deepest + "]"), "nesting deeper than");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"deep\":[" + deepest + "]}", claims(""),
        "nesting deeper than");
    refused(HEADER, claims("\"deep\":" + "{\"a\":".repeat(depth) + "1" + "}".repeat(depth)),
        "nesting deeper than");
  }

  @Test
  void hugeOutOfRangeAndFractionalNumbers() {
    long now = Instant.now().getEpochSecond();
    for (String claim : List.of("exp", "nbf", "iat")) {
      for (String huge : List.of("1e400", "99999999999999999999999", "253402300800", "-1", "-0.5",
          "1.7976931348623157e308", "9223372036854775807", "1e20")) {
        refused(HEADER, claimsWith(claim, huge), claim + " is out of range");
      }
      refused(HEADER, claimsWith(claim, "1" + "0".repeat(40)), "number longer than");
    }
    refused(HEADER, claims("\"n\":1" + "0".repeat(40)), "number longer than");
    refused(HEADER, claims("\"n\":1." + "0".repeat(40)), "number longer than");
    // A NumericDate may have a fraction (RFC 7519 §2): dropped, as Nimbus drops it.
    accepted(hs256(HEADER, claimsWith("exp", (now + 300) + ".75")));
    accepted(hs256(HEADER, claimsWith("exp", (now + 300) + "e0")));
    refused(HEADER, claimsWith("exp", (now - 120) + ".999"), "Expired JWT");
    accepted(hs256(HEADER, claims("\"n\":1e300,\"m\":-12.5,\"big\":123456789012345678901234567890")));
  }

  @Test
  void claimChecksKeepTheirMessages() throws Exception {
    long now = Instant.now().getEpochSecond();
    refused(HEADER, "{\"iss\":\"" + Tokens.ISSUER + "\"}", "JWT missing required aud claim");
    refused(HEADER, "{\"aud\":\"" + Tokens.AUDIENCE + "\"}", "JWT missing required claims: [exp, iss, sub]");
    refused(HEADER, claimsWith("aud", "\"https://other.example\""), "JWT aud claim rejected");
    refused(HEADER, claimsWith("aud", "[]"), "JWT missing required aud claim");
    refused(HEADER, claimsWith("iss", "\"https://evil.example\""), "JWT iss claim value rejected");
    refused(HEADER, claimsWith("exp", Long.toString(now - 61)), "Expired JWT");
    refused(HEADER, claimsWith("nbf", Long.toString(now + 61)), "JWT before use time");
    refused(HEADER, claimsWith("iat", Long.toString(now + 120)), "issued in the future");
    // Word for word what Nimbus's claims verifier (which the checks replace) says.
    com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier<?> nimbus =
        new com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier<>(Set.of(Tokens.AUDIENCE),
            new JWTClaimsSet.Builder().issuer(Tokens.ISSUER).build(),
            Set.of("iss", "aud", "exp", "sub"), Set.of());
    for (String claims : List.of("{\"iss\":\"" + Tokens.ISSUER + "\"}",
        "{\"aud\":\"" + Tokens.AUDIENCE + "\"}", claimsWith("aud", "\"https://other.example\""),
        claimsWith("aud", "[]"), claimsWith("iss", "\"https://evil.example\""),
        claimsWith("exp", Long.toString(now - 61)), claimsWith("nbf", Long.toString(now + 61)))) {
      String expected;
      try {
        nimbus.verify(JWTClaimsSet.parse(claims), null);
        throw new AssertionError("Nimbus accepts " + claims);
      } catch (com.nimbusds.jwt.proc.BadJWTException e) {
        expected = e.getMessage();
      }
      AuthResult result = authenticate(hs256(HEADER, claims));
      assertThat(((AuthResult.Rejected) result).reason()).as(claims).isEqualTo(expected);
    }
    accepted(hs256(HEADER, claimsWith("exp", Long.toString(now - 30))));
    accepted(hs256(HEADER, claimsWith("nbf", Long.toString(now + 30))));
    refused("{\"alg\":\"none\",\"kid\":\"h1\"}", claims(""), "alg none");
    refused("{\"alg\":\"HS512\",\"kid\":\"h1\"}", claims(""), "HS512 not allowed");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"typ\":\"JOSE\"}", claims(""), "token type JOSE");
  }

  /**
   * Parsed headers and validated role lists are remembered by their text (a function of it), only
   * when they passed, and beyond the bound every one is still checked.
   */
  @Test
  void rememberedHeadersAndRoleListsAreOnlyThoseThatPassed() {
    String dupHeader = "{\"alg\":\"HS256\",\"kid\":\"h1\",\"kid\":\"h1\"}";
    for (int i = 0; i < 3; i++) {
      refused(dupHeader, claims(""), "duplicate member");
      refused(HEADER, claimsWith("roles", "[\"Bad Role\"]"), "invalid role name");
      assertThat(accepted(hs256(HEADER, claimsWith("roles", "[\"viewer\",\"hr.reader\"]"))).roles())
          .containsExactlyInAnyOrder("viewer", "hr.reader");
    }
    for (int i = 0; i < 300; i++) { // past both bounds (256)
      String header = "{\"alg\":\"HS256\",\"kid\":\"h1\",\"n\":" + i + "}";
      assertThat(accepted(hs256(header, claimsWith("roles", "[\"r" + i + "\"]"))).roles())
          .containsExactly("r" + i);
    }
    refused(dupHeader, claims(""), "duplicate member");
    refused("{\"alg\":\"HS256\",\"kid\":\"h1\",\"n\":1,\"n\":1}", claims(""), "duplicate member");
    refused(HEADER, claimsWith("roles", "[\"Bad Role\"]"), "invalid role name");
    refused(HEADER, claimsWith("roles", "[\"r1\",\"Bad Role\"]"), "invalid role name");
    assertThat(accepted(hs256(HEADER, claimsWith("roles", "[\"r299\",\"r1\"]"))).roles())
        .containsExactlyInAnyOrder("r299", "r1");
  }

  /**
   * The same verdict and principal as Nimbus's parse (JWSObject, JWTClaimsSet, the claims verifier
   * this class replaced) on the shapes tokens come in: Nimbus-built claims and headers, array and
   * string audiences, escapes, nested custom claims, registered headers that are ignored.
   */
  @Test
  void acceptsWhatNimbusAcceptedWithTheSamePrincipal() throws Exception {
    Instant now = Instant.now();
    List<JWTClaimsSet> corpus = new ArrayList<>();
    corpus.add(Tokens.good());
    corpus.add(Tokens.claims(now).audience(List.of("https://a.example", Tokens.AUDIENCE)).build());
    corpus.add(Tokens.claims(now).notBeforeTime(Date.from(now.minusSeconds(5))).build());
    corpus.add(Tokens.claims(now).jwtID(null).claim("roles", null).build());
    corpus.add(Tokens.claims(now).claim("roles", List.of("viewer", "hr.reader")).build());
    corpus.add(Tokens.claims(now).subject("spiffe://gatehouse.local/client/alice")
        .claim("scope", "a b").claim("realm_access", Map.of("roles", List.of("x")))
        .claim("n", 1.5).claim("flag", true).claim("nothing", null).build());
    corpus.add(Tokens.claims(now).subject("quote\" back\\slash \u2028 \u00e9").build());
    corpus.add(Tokens.claims(now).claim("cnf", Map.of("x5t#S256", "abc", "other", 1)).build());
    List<JWSHeader.Builder> headers = List.of(
        new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("h1"),
        new JWSHeader.Builder(JWSAlgorithm.HS256),
        new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("h1").type(JOSEObjectType.JWT),
        new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("h1").type(new JOSEObjectType("at+jwt"))
            .contentType("JWT").customParam("nested", Map.of("a", List.of(1, "b"))),
        new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("h1")
            .jwkURL(URI.create("https://a.example/jwks")).x509CertSHA256Thumbprint(new Base64URL("abc"))
            .jwk(Tokens.ecKey("e").toPublicJWK()));
    int compared = 0;
    for (JWTClaimsSet claims : corpus) {
      for (JWSHeader.Builder header : headers) {
        String token = Tokens.sign(KEY, header, claims);
        Principal nimbus = nimbusPrincipal(token, now);
        AuthResult result = authenticate(token);
        if (claims.getClaim("cnf") != null) {
          assertThat(((AuthResult.Rejected) result).reason()).contains("without a certificate");
        } else {
          assertThat(result).as(token).isInstanceOf(AuthResult.Authenticated.class);
          assertThat(((AuthResult.Authenticated) result).principal()).isEqualTo(nimbus);
        }
        compared++;
      }
    }
    assertThat(compared).isEqualTo(corpus.size() * headers.size());
  }

  /** What the Nimbus-based code before {@link JoseJson} made of {@code token}. */
  private static Principal nimbusPrincipal(String token, Instant now) throws Exception {
    JWSObject jws = JWSObject.parse(token);
    assertThat(jws.verify(new MACVerifier(SECRET))).isTrue();
    JWTClaimsSet claims = JWTClaimsSet.parse(jws.getPayload().toJSONObject());
    assertThat(claims.getIssuer()).isEqualTo(Tokens.ISSUER);
    assertThat(claims.getAudience()).contains(Tokens.AUDIENCE);
    assertThat(claims.getExpirationTime().toInstant()).isAfter(now);
    Set<String> roles = claims.getClaim("roles") == null ? Set.of()
        : new LinkedHashSet<>(claims.getStringListClaim("roles"));
    // No local trust domain is configured: every subject is issuer-qualified.
    return new Principal(Tokens.ISSUER + "#" + claims.getSubject(), roles,
        io.gatehouse.transport.auth.AuthMethod.JWT, claims.getJWTID());
  }

  private static int indexOf(byte[] bytes, byte b) {
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    throw new AssertionError("no " + (char) b);
  }
}
