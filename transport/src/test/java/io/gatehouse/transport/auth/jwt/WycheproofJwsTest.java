package io.gatehouse.transport.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every Wycheproof JWS vector through {@link JwsVerifier}, with the same provider settings as
 * production: once with every algorithm Gatehouse can be configured with, once with the default
 * allow-list (ES256 only). Deviations from the file's verdicts are listed below with the reason;
 * each is asserted, so a change in behaviour fails the test.
 */
class WycheproofJwsTest {
  /** Vectors marked valid that Gatehouse refuses on purpose. */
  private static final Map<Integer, String> REFUSED_ALTHOUGH_VALID =
      Map.of(
          346, "key declares alg PS256, token uses PS384 (RFC 7517 §4.4: alg restricts the key)",
          350, "same as 346, key with key_ops",
          347, "key declares alg \"ES521\", which is no JWS algorithm, so it fits no token",
          351, "same as 347, key with key_ops",
          372, "header segment holds '?', which is not base64url (RFC 7515 §2)",
          373, "payload segment holds '?', which is not base64url (RFC 7515 §2)");

  /**
   * Vectors marked invalid that are byte-for-byte identical to valid vector 357 (the generator
   * lost the padding it meant to add), so they verify.
   */
  private static final Set<Integer> IDENTICAL_TO_357 = Set.of(367, 370);

  @Test
  void everyVectorHasTheExpectedVerdict() throws Exception {
    JsonNode root;
    try (InputStream in = getClass().getResourceAsStream("/wycheproof/json_web_signature_test.json")) {
      root = JsonMapper.builder().build().readTree(in);
    }
    assertThat(getClass().getResource("/wycheproof/LICENSE")).isNotNull();
    Set<JWSAlgorithm> defaults = Set.of(JWSAlgorithm.ES256);
    List<String> failures = new ArrayList<>();
    String vector357 = null;
    int count = 0;
    int accepted = 0;
    for (JsonNode group : root.get("testGroups")) {
      JsonNode keyJson = group.has("public") ? group.get("public") : group.get("private");
      JwtKeys keys = JwtKeys.of(new JWKSet(JWK.parse(keyJson.toString())));
      JwsVerifier all = new JwsVerifier(JwsVerifier.SUPPORTED, keys);
      JwsVerifier defaultList = new JwsVerifier(defaults, keys);
      for (JsonNode test : group.get("tests")) {
        count++;
        int id = test.get("tcId").asInt();
        String jws = test.get("jws").isString() ? test.get("jws").asString() : test.get("jws").toString();
        if (id == 357) {
          vector357 = jws;
        }
        boolean expected = "valid".equals(test.get("result").asString());
        if (REFUSED_ALTHOUGH_VALID.containsKey(id)) {
          assertThat(expected).as("tc %d", id).isTrue();
          expected = false;
        }
        if (IDENTICAL_TO_357.contains(id)) {
          assertThat(expected).as("tc %d", id).isFalse();
          expected = true;
        }
        boolean ok = verifies(all, jws);
        accepted += ok ? 1 : 0;
        if (ok != expected) {
          failures.add(id + " " + test.get("comment").asString() + ": expected " + expected);
        }
        boolean es256 = jws.startsWith("eyJhbGciOiJFUzI1NiIs");
        if (verifies(defaultList, jws) != (ok && es256)) {
          failures.add(id + " with the default allow-list");
        }
      }
    }
    assertThat(failures).isEmpty();
    assertThat(count).isEqualTo(root.get("numberOfTests").asInt());
    assertThat(accepted).isEqualTo(46 - 6 + 2);
    for (int id : IDENTICAL_TO_357) {
      assertThat(vector(root, id)).isEqualTo(vector357);
    }
  }

  private static boolean verifies(JwsVerifier verifier, String jws) {
    try {
      return verifier.verify(jws) != null;
    } catch (InvalidTokenException e) {
      return false;
    }
  }

  private static String vector(JsonNode root, int id) {
    for (JsonNode group : root.get("testGroups")) {
      for (JsonNode test : group.get("tests")) {
        if (test.get("tcId").asInt() == id) {
          return test.get("jws").asString();
        }
      }
    }
    throw new AssertionError("no vector " + id);
  }
}
