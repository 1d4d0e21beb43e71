package io.gatehouse.transport.auth.jwt;

import static io.gatehouse.transport.auth.jwt.JwtAuthenticatorTest.accepted;
import static io.gatehouse.transport.auth.jwt.JwtAuthenticatorTest.rejected;
import static io.gatehouse.transport.auth.jwt.Tokens.good;
import static io.gatehouse.transport.auth.jwt.Tokens.sign;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.sun.net.httpserver.HttpServer;
import io.gatehouse.transport.encoding.Base64Url;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The allocation-free paths of uncached verification: the canonical-base64url check by the last
 * character's unused bits, candidate keys remembered per key set, and the per-thread HMAC and RSA
 * verifiers.
 */
class JwsFastPathTest {
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  /** The definition the fast check replaces: decodes, and re-encodes to the same text. */
  private static boolean canonicalByRoundTrip(String s) {
    for (char c : s.toCharArray()) {
      if (ALPHABET.indexOf(c) < 0) {
        return false;
      }
    }
    try {
      byte[] decoded = Base64.getUrlDecoder().decode(s);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(decoded).equals(s);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Test
  void lastCharacterBitsCheckAgreesWithDecodeAndReencode() {
    // Every string up to 4 characters over characters with each low-bit pattern, plus padding.
    String sample = "AQgwBRhxDSiyP_-9=.+/";
    List<String> strings = new ArrayList<>(List.of(""));
    for (int len = 1; len <= 4; len++) {
      List<String> longer = new ArrayList<>();
      for (String s : strings) {
        if (s.length() == len - 1) {
          for (char c : sample.toCharArray()) {
            longer.add(s + c);
          }
        }
      }
      strings.addAll(longer);
    }
    Random random = new Random(18);
    for (int i = 0; i < 20_000; i++) {
      char[] chars = new char[random.nextInt(48)];
      for (int j = 0; j < chars.length; j++) {
        chars[j] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
      }
      strings.add(new String(chars));
    }
    for (String s : strings) {
      assertThat(Base64Url.isCanonical(s)).as("'%s'", s).isEqualTo(canonicalByRoundTrip(s));
      String framed = "x." + s + ".y";
      assertThat(Base64Url.isCanonical(framed, 2, 2 + s.length()))
          .as("'%s' inside a token", s).isEqualTo(canonicalByRoundTrip(s));
    }
  }

  /** Sets unused low bits of the last character: same bytes decoded, another spelling. */
  private static String withUnusedBitsSet(String token) {
    String signature = token.substring(token.lastIndexOf('.') + 1);
    int unused = switch (signature.length() % 4) {
      case 2 -> 0x0F;
      case 3 -> 0x03;
      default -> throw new IllegalArgumentException("signature has no unused bits");
    };
    char last = signature.charAt(signature.length() - 1);
    char other = ALPHABET.charAt(ALPHABET.indexOf(last) | unused);
    String tampered = token.substring(0, token.length() - 1) + other;
    String tamperedSignature = tampered.substring(tampered.lastIndexOf('.') + 1);
    assertThat(Base64.getUrlDecoder().decode(tamperedSignature))
        .as("decodes to the same signature").isEqualTo(Base64.getUrlDecoder().decode(signature));
    return tampered;
  }

  @Test
  void signatureWithNonZeroTrailingBitsIsRefusedForRsaAndHmac() throws Exception {
    RSAKey rsa = Tokens.rsaKey("r1"); // 256-byte signature: 342 characters, 4 unused bits
    OctetSequenceKey secret = new OctetSequenceKeyGenerator(256).keyID("h1").generate(); // 43, 2
    JwtAuthenticator jwt = authenticator(List.of("RS256", "HS256"), rsa, secret);
    for (JWK key : List.of(rsa, secret)) {
      String token = sign(key, good());
      accepted(jwt, token);
      rejected(jwt, withUnusedBitsSet(token), "not canonical base64url");
    }
  }

  @Test
  void hmacAlgorithmNeedsASecretAsLongAsItsHash() throws Exception {
    OctetSequenceKey short256 = new OctetSequenceKeyGenerator(256).keyID("s").generate();
    OctetSequenceKey long512 = new OctetSequenceKeyGenerator(512).keyID("l").generate();
    JwtAuthenticator jwt = authenticator(List.of("HS256", "HS384", "HS512"), short256, long512);
    accepted(jwt, sign(short256, new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("s"), good()));
    accepted(jwt, sign(long512, new JWSHeader.Builder(JWSAlgorithm.HS512).keyID("l"), good()));
    // Signed by hand (Nimbus's signer refuses too): HS384 keyed with a 256-bit secret.
    String header = "{\"alg\":\"HS384\",\"kid\":\"s\"}";
    String input = Tokens.b64(header) + "." + Tokens.b64(good().toString());
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA384");
    mac.init(new javax.crypto.spec.SecretKeySpec(short256.toByteArray(), "HmacSHA384"));
    String weak = input + "." + Base64URL.encode(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    rejected(jwt, weak, "signature invalid");
  }

  @Test
  void oneRsaKeyServesRs256AndPs256AndSurvivesABadSignatureOnTheSameThread() throws Exception {
    RSAKey rsa = Tokens.rsaKey("r1");
    JwtAuthenticator jwt = authenticator(List.of("RS256", "RS512", "PS256"), rsa);
    accepted(jwt, sign(rsa, good()));
    accepted(jwt, sign(rsa, new JWSHeader.Builder(JWSAlgorithm.RS512).keyID("r1"), good()));
    accepted(jwt, sign(rsa, new JWSHeader.Builder(JWSAlgorithm.PS256).keyID("r1"), good()));
    String token = sign(rsa, good());
    String input = token.substring(0, token.lastIndexOf('.'));
    // A signature one byte short: the JDK throws, and the per-thread Signature must not carry
    // that state into the next token.
    rejected(jwt, input + "." + Base64URL.encode(new byte[255]), "signature invalid");
    rejected(jwt, input + "." + Base64URL.encode(new byte[256]), "signature invalid");
    accepted(jwt, token);
  }

  @Test
  void perThreadVerifiersAgreeUnderConcurrency() throws Exception {
    RSAKey rsa = Tokens.rsaKey("r1");
    OctetSequenceKey secret = new OctetSequenceKeyGenerator(256).keyID("h1").generate();
    OctetSequenceKey other = new OctetSequenceKeyGenerator(256).keyID("h1").generate();
    JwtAuthenticator jwt = authenticator(List.of("RS256", "HS256"), rsa, secret);
    String rsaToken = sign(rsa, good());
    String hmacToken = sign(secret, good());
    String forged = sign(other, good());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<Void>> work = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        work.add(() -> {
          for (int i = 0; i < 20; i++) {
            accepted(jwt, rsaToken);
            accepted(jwt, hmacToken);
            rejected(jwt, forged, "signature invalid");
          }
          return null;
        });
      }
      for (Future<Void> f : pool.invokeAll(work)) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void rememberedCandidatesFollowAJwksRotation() throws Exception {
    ECKey k1 = Tokens.ecKey("k1");
    ECKey k2 = Tokens.ecKey("k2");
    AtomicReference<String> body = new AtomicReference<>(new JWKSet(k1.toPublicJWK()).toString());
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    ExecutorService handlers = Executors.newFixedThreadPool(2);
    server.setExecutor(handlers);
    server.createContext("/jwks.json", exchange -> {
      byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/jwk-set+json");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
    try (JwtAuthenticator jwt = JwtAuthenticator.builder().issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE).cacheTtl(Duration.ZERO)
        .keys(JwtKeys.jwksUrl(url).insecurePlainHttp(true).cacheTtl(Duration.ofMinutes(10))
            .minRefetchInterval(Duration.ofMinutes(1)).build())
        .build()) {
      String byK1 = sign(k1, good());
      accepted(jwt, byK1);
      accepted(jwt, byK1); // (ES256, k1) -> k1 is now remembered
      // The issuer rotates k1 out; a token naming k2 makes Gatehouse fetch the new set.
      body.set(new JWKSet(k2.toPublicJWK()).toString());
      accepted(jwt, sign(k2, good()));
      // k1 is gone from the new set (the refetch its kid asks for may be rate limited).
      assertThat(JwtAuthenticatorTest.reason(
              jwt.authenticate(JwtAuthenticatorTest.bearer(byK1, null))))
          .containsAnyOf("no key for kid", "signing keys unavailable");
    } finally {
      server.stop(0);
      handlers.shutdownNow();
    }
  }

  @Test
  void unknownKidsAreNotRememberedWithoutBound() throws Exception {
    ECKey k1 = Tokens.ecKey("k1");
    JwtAuthenticator jwt = authenticator(List.of("ES256", "HS256"), k1);
    OctetSequenceKey stranger = new OctetSequenceKeyGenerator(256).keyID("stranger").generate();
    for (int i = 0; i < 1_100; i++) { // past the 1,024 (alg, kid) pairs remembered
      rejected(jwt, sign(stranger, new JWSHeader.Builder(JWSAlgorithm.HS256)
          .keyID("stranger-" + i), good()), "no key for kid");
      if (i % 500 == 0) {
        accepted(jwt, sign(k1, good()));
      }
    }
    accepted(jwt, sign(k1, good()));
  }

  private static JwtAuthenticator authenticator(List<String> algorithms, JWK... keys)
      throws Exception {
    return JwtAuthenticator.builder().issuer(Tokens.ISSUER).audience(Tokens.AUDIENCE)
        .algorithms(algorithms).cacheTtl(Duration.ZERO)
        .keys(JwtKeys.of(new JWKSet(Arrays.asList(keys)))).build();
  }
}
