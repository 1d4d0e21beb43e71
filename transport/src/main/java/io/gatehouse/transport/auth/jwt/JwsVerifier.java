package io.gatehouse.transport.auth.jwt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import io.gatehouse.pki.BouncyCastle;
import io.gatehouse.transport.encoding.Base64Url;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JWS layer of JWT authentication: checks a compact JWS against an explicit algorithm
 * allow-list and configured keys, with BouncyCastle doing ECDSA and EdDSA. It never follows
 * {@code jku}, {@code x5u}, {@code x5c} or an embedded {@code jwk}: keys come only from
 * {@link JwtKeys}. Thread-safe.
 *
 * <p>Refused before any signature work: tokens over {@value #MAX_TOKEN_CHARS} characters, anything
 * but three canonical base64url segments (no padding, whitespace or stray characters), a header
 * that is not strict JSON with typed parameters ({@link JoseJson}: duplicates refused), algorithms
 * outside the allow-list ({@code none} in any spelling is never in it), and any {@code crit}
 * header (Gatehouse understands no extension). A key is a candidate only if its type fits the
 * algorithm, its {@code kid} (when both sides have one), {@code use}, {@code key_ops} and
 * {@code alg} allow it.
 */
public final class JwsVerifier {
  /** Largest token accepted, in characters (8 KiB). */
  public static final int MAX_TOKEN_CHARS = 8 * 1024;

  /** Algorithms that may be put on an allow-list. */
  public static final Set<JWSAlgorithm> SUPPORTED =
      Set.of(
          JWSAlgorithm.ES256, JWSAlgorithm.ES384, JWSAlgorithm.ES512,
          JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
          JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512,
          JWSAlgorithm.EdDSA,
          JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);

  private static final int MAX_CANDIDATE_KEYS = 8;
  private static final int MAX_REMEMBERED_HEADERS = 256;
  private static final int MAX_REMEMBERED_HEADER_CHARS = 512;

  private final Set<JWSAlgorithm> allowed;
  private final JwtKeys keys;
  private final Map<String, JWSAlgorithm> allowedByName;
  /** One header per allowed algorithm: all a signature verifier reads of the token's header. */
  private final Map<JWSAlgorithm, JWSHeader> bareHeaders;
  private final ConcurrentHashMap<String, JoseJson.Header> headers = new ConcurrentHashMap<>();
  /**
   * Verifiers by key instance (identity, weakly held): {@link JwtKeys#candidates} hands out the
   * same instances until the key set changes, so a lookup needs no hashing of key material.
   */
  private final Cache<JWK, JWSVerifier> verifiers =
      Caffeine.newBuilder().weakKeys().maximumSize(256).build();

  /**
   * A verifier accepting only {@code allowed} algorithms, with {@code keys}.
   *
   * @throws IllegalArgumentException for an empty or unsupported allow-list, or HMAC algorithms
   *     with keys from a URL
   */
  public JwsVerifier(Set<JWSAlgorithm> allowed, JwtKeys keys) {
    if (allowed.isEmpty() || !SUPPORTED.containsAll(allowed)) {
      throw new IllegalArgumentException(
          "JWS algorithms must be a non-empty subset of " + SUPPORTED + ", got " + allowed);
    }
    if (keys.remote() && allowed.stream().anyMatch(JWSAlgorithm.Family.HMAC_SHA::contains)) {
      throw new IllegalArgumentException("HMAC algorithms need a local secret, not a JWKS URL");
    }
    this.allowed = Set.copyOf(allowed);
    this.keys = keys;
    Map<String, JWSAlgorithm> byName = new HashMap<>();
    Map<JWSAlgorithm, JWSHeader> headers = new HashMap<>();
    for (JWSAlgorithm alg : this.allowed) {
      byName.put(alg.getName(), alg);
      headers.put(alg, new JWSHeader(alg));
    }
    this.allowedByName = Map.copyOf(byName);
    this.bareHeaders = Map.copyOf(headers);
  }

  /**
   * A JWS whose signature verified: its header values and its payload, still undecoded JSON
   * (claims are parsed only once the signature holds).
   */
  public record Verified(JWSAlgorithm algorithm, String keyId, String type, byte[] payload) {}

  /** Checks {@code token}'s form, header and signature; returns what it verified. */
  public Verified verify(String token) throws InvalidTokenException {
    checkCompactForm(token);
    int first = token.indexOf('.');
    int second = token.indexOf('.', first + 1);
    // Only base64url characters and dots remain: one byte per character.
    byte[] ascii = token.getBytes(StandardCharsets.ISO_8859_1);
    JoseJson.Header header = header(token, ascii, first);
    if ("none".equals(header.alg())) {
      throw new InvalidTokenException("alg none is never accepted");
    }
    JWSAlgorithm alg = allowedByName.get(header.alg());
    if (alg == null) {
      throw new InvalidTokenException(
          "algorithm " + InvalidTokenException.printable(header.alg()) + " not allowed");
    }
    List<JWK> candidates;
    try {
      candidates = keys.candidates(alg, header.kid());
    } catch (KeySourceException e) {
      throw new InvalidTokenException("signing keys unavailable: " + e.getMessage());
    }
    if (candidates.isEmpty()) {
      throw new InvalidTokenException(
          "no key for kid " + InvalidTokenException.printable(header.kid()));
    }
    byte[] signature = decode(ascii, second + 1, ascii.length);
    byte[] signingInput = null; // made only for a verifier that needs its own copies
    Base64URL encodedSignature = null;
    int tried = Math.min(candidates.size(), MAX_CANDIDATE_KEYS);
    for (int i = 0; i < tried; i++) {
      JWSVerifier verifier = verifiers.get(candidates.get(i), JwsVerifier::newVerifier);
      try {
        boolean valid;
        if (verifier instanceof RawVerifier raw && raw.handles(alg)) {
          valid = raw.verify(alg, ascii, second, signature);
        } else if (verifier != null) {
          if (signingInput == null) {
            signingInput = Arrays.copyOf(ascii, second);
            encodedSignature = new Base64URL(token.substring(second + 1));
          }
          // The verifiers read only the algorithm (crit was refused by the parse).
          valid = verifier.verify(bareHeaders.get(alg), signingInput, encodedSignature);
        } else {
          valid = false;
        }
        if (valid) {
          return new Verified(alg, header.kid(), header.typ(), decode(ascii, first + 1, second));
        }
      } catch (JOSEException | IllegalStateException e) {
        // A key that cannot check this signature is simply not the signer.
      }
    }
    throw new InvalidTokenException("signature invalid");
  }

  /**
   * The parsed header, remembered by its exact text: an issuer's tokens share a handful of headers,
   * and the parse is a function of the text, so a remembered one is the one the parse would give.
   * Only headers that parsed are remembered, at most {@value #MAX_REMEMBERED_HEADERS} of up to
   * {@value #MAX_REMEMBERED_HEADER_CHARS} characters (the text is the caller's choice).
   */
  private JoseJson.Header header(String token, byte[] ascii, int end) throws InvalidTokenException {
    if (end > MAX_REMEMBERED_HEADER_CHARS) {
      return JoseJson.header(decode(ascii, 0, end));
    }
    String text = token.substring(0, end);
    JoseJson.Header header = headers.get(text);
    if (header == null) {
      header = JoseJson.header(decode(ascii, 0, end));
      if (headers.size() < MAX_REMEMBERED_HEADERS) {
        headers.put(text, header);
      }
    }
    return header;
  }

  /**
   * A verifier that takes the signing input as a prefix of the token's bytes and the decoded
   * signature, so no copy, {@code Base64URL} or header object is made per token.
   */
  interface RawVerifier {
    /** Whether {@link #verify(JWSAlgorithm, byte[], int, byte[])} serves {@code alg}. */
    boolean handles(JWSAlgorithm alg);

    /** Checks {@code signature} over {@code input[0, length)}; false for any failure. */
    boolean verify(JWSAlgorithm alg, byte[] input, int length, byte[] signature);
  }

  /** Decodes canonical base64url (already checked) in {@code in[from, to)}. */
  static byte[] decode(byte[] in, int from, int to) {
    int chars = to - from;
    byte[] out = new byte[chars * 3 / 4];
    int bits = 0;
    int n = 0;
    int o = 0;
    for (int i = from; i < to; i++) {
      bits = (bits << 6) | SEXTETS[in[i]];
      n += 6;
      if (n >= 8) {
        n -= 8;
        out[o++] = (byte) (bits >> n);
      }
    }
    return out;
  }

  private static final byte[] SEXTETS = new byte[128];

  static {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for (int i = 0; i < alphabet.length(); i++) {
      SEXTETS[alphabet.charAt(i)] = (byte) i;
    }
  }

  private static void checkCompactForm(String token) throws InvalidTokenException {
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new InvalidTokenException("token larger than " + MAX_TOKEN_CHARS + " characters");
    }
    int first = token.indexOf('.');
    int second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second < 0 || second == token.length() - 1
        || token.indexOf('.', second + 1) >= 0) {
      throw new InvalidTokenException("not a compact JWS (header.payload.signature)");
    }
    if (!Base64Url.isCanonical(token, 0, first)
        || !Base64Url.isCanonical(token, first + 1, second)
        || !Base64Url.isCanonical(token, second + 1, token.length())) {
      throw new InvalidTokenException("JWS segment is not canonical base64url");
    }
  }

  /** A verifier for {@code key}, or null when Gatehouse cannot use such a key. */
  private static JWSVerifier newVerifier(JWK key) {
    try {
      if (key instanceof ECKey ec) {
        // A BouncyCastle key object as well as the provider: BC converts a JDK key on every
        // verification, which costs more than the signature check itself.
        PublicKey bcKey =
            KeyFactory.getInstance("EC", BouncyCastle.PROVIDER)
                .generatePublic(new X509EncodedKeySpec(ec.toECPublicKey().getEncoded()));
        ECDSAVerifier v = new ECDSAVerifier((ECPublicKey) bcKey);
        v.getJCAContext().setProvider(BouncyCastle.PROVIDER);
        return v;
      }
      if (key instanceof OctetKeyPair okp) {
        return new Ed25519Verifier(okp);
      }
      if (key instanceof RSAKey rsa) {
        // The JDK's RSA verify is as fast as BouncyCastle's; keep the default provider.
        return rsa.size() >= 2048 ? new RsaVerifier(rsa) : null;
      }
      if (key instanceof OctetSequenceKey oct) {
        return new HmacVerifier(oct);
      }
    } catch (JOSEException | GeneralSecurityException e) {
      return null;
    }
    return null;
  }
}
