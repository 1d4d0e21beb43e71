package io.gatehouse.transport.auth.jwt;

import io.gatehouse.transport.setting.Setting;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.pki.identity.RoleNames;
import io.gatehouse.pki.identity.SpiffeId;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Authenticator;
import io.gatehouse.transport.auth.CredentialLease;
import io.gatehouse.transport.auth.Principal;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authenticates {@code Authorization: Bearer <JWT>}.
 *
 * <p>The signature is checked by {@link JwsVerifier} (allow-list, configured keys only, 8 KiB
 * cap). Then: {@code typ}, if present, is {@code JWT} or {@code at+jwt}; {@code iss} equals the
 * configured issuer; {@code aud} contains this server's resource URL (RFC 8707); {@code exp} and
 * {@code sub} are required; {@code exp}, {@code nbf} and {@code iat} are checked with at most 60 s
 * of skew; {@code roles}, if present, is an array of valid role names; {@code cnf}, if present,
 * must be {@code x5t#S256} and match the connection's client certificate (RFC 8705).
 *
 * <p>Principal: id = {@code <iss>#<sub>} (issuer identifiers carry no fragment, RFC 8414 §2, so
 * the first {@code #} separates them), credentialId = {@code jti} (empty when absent). When the
 * issuer is declared to be the Gatehouse CA of a trust domain ({@link
 * Builder#localCaTrustDomain}), a {@code sub} that is a SPIFFE ID of that trust domain is the id
 * itself: the same principal as that client's certificate. Other issuers stay qualified, so they
 * cannot name a local identity.
 *
 * <p>Verified tokens are cached by the SHA-256 of the token until {@code min(exp, cache TTL)}; the
 * certificate binding is re-checked on every request. A key removed from the JWKS therefore stops
 * working within the cache TTL (default 60 s).
 */
public final class JwtAuthenticator implements Authenticator, Closeable {
  private static final Set<String> TYPES = Set.of("jwt", "at+jwt", "application/jwt",
      "application/at+jwt");
  /** Tolerance on {@code exp}, {@code nbf}, {@code iat}. */
  public static final Setting<Duration> CLOCK_SKEW = Setting.duration(
      "auth.jwt.clockSkew", Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(60));
  /** How long a verified token is remembered (0 disables). */
  public static final Setting<Duration> TOKEN_CACHE_TTL = Setting.duration(
      "auth.jwt.tokenCacheTtl", Duration.ofSeconds(60), Duration.ZERO, Duration.ofMinutes(10));
  /** Most verified tokens remembered. */
  public static final Setting<Integer> TOKEN_CACHE_SIZE =
      Setting.integer("auth.jwt.tokenCacheSize", 10_000, 1, null);

  private final JwsVerifier jws;
  private final JwtKeys keys;
  private final String issuer;
  private final String audience;
  private final String localCaTrustDomain;
  private final Duration skew;
  private final Duration cacheTtl;
  private final Clock clock;
  private final Cache<String, VerifiedToken> cache;

  /** Where a token's roles come from; the default reads a top-level {@code roles} array. */
  @FunctionalInterface
  public interface RoleClaims {
    /** The Gatehouse roles {@code claims} grant (validated names). */
    Set<String> roles(JWTClaimsSet claims) throws InvalidTokenException;
  }

  /** The configured role source; null: the top-level {@code roles} array, read by the parse. */
  private final RoleClaims roleClaims;
  private static final int MAX_REMEMBERED_ROLE_LISTS = 256;
  private final ConcurrentHashMap<List<String>, Set<String>> validatedRoles =
      new ConcurrentHashMap<>();
  private final boolean requireBinding;

  /** What a verified token says, kept for the cache. */
  private record VerifiedToken(Principal principal, Instant notAfter, String x5tS256,
      Instant validUntil) {}

  private JwtAuthenticator(Builder b) {
    this.keys = b.keys;
    this.jws = new JwsVerifier(b.algorithms, b.keys);
    this.issuer = b.issuer;
    this.audience = b.audience;
    this.localCaTrustDomain = b.localCaTrustDomain;
    this.skew = b.skew;
    this.cacheTtl = b.cacheTtl;
    this.clock = b.clock;
    this.roleClaims = b.roleClaims;
    this.requireBinding = b.requireBinding;
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(b.cacheSize)
            .expireAfter(
                Expiry.<String, VerifiedToken>creating(
                    (k, v) -> max(Duration.ZERO, Duration.between(b.clock.instant(), v.notAfter()))))
            .build();
  }

  /** A builder; issuer, audience and keys are required. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public AuthMethod method() {
    return AuthMethod.JWT;
  }

  @Override
  public AuthResult authenticate(AuthRequest request) {
    List<String> values = request.headers("Authorization");
    if (values.isEmpty()) {
      return AuthResult.notPresent();
    }
    boolean bearer = false;
    for (int i = 0; i < values.size(); i++) {
      bearer |= isBearer(values.get(i));
    }
    if (values.size() > 1) {
      return bearer
          ? AuthResult.rejectedToken(AuthMethod.JWT, "duplicate Authorization header")
          : AuthResult.rejected(AuthMethod.JWT, "duplicate Authorization header");
    }
    if (!bearer) {
      return AuthResult.notPresent(); // another scheme (e.g. Basic): not ours to judge
    }
    String token = values.get(0).substring("Bearer".length()).strip();
    try {
      VerifiedToken verified = verify(token);
      checkBinding(verified, request);
      return AuthResult.authenticated(verified.principal(),
          CredentialLease.until(verified.validUntil()));
    } catch (InvalidTokenException e) {
      return AuthResult.rejectedToken(AuthMethod.JWT, e.getMessage());
    }
  }

  /** The verification keys (the readiness check probes them). */
  public JwtKeys keys() {
    return keys;
  }

  @Override
  public void close() throws IOException {
    keys.close();
  }

  private static boolean isBearer(String value) {
    return value.regionMatches(true, 0, "Bearer", 0, 6)
        && (value.length() == 6 || value.charAt(6) == ' ');
  }

  private VerifiedToken verify(String token) throws InvalidTokenException {
    if (token.isEmpty()) {
      throw new InvalidTokenException("empty bearer token");
    }
    if (token.length() > JwsVerifier.MAX_TOKEN_CHARS) { // before hashing it for the cache
      throw new InvalidTokenException(
          "token larger than " + JwsVerifier.MAX_TOKEN_CHARS + " characters");
    }
    String cacheKey = cacheTtl.isZero() ? null : sha256(token);
    if (cacheKey != null) {
      VerifiedToken hit = cache.getIfPresent(cacheKey);
      if (hit != null && clock.instant().isBefore(hit.notAfter())) {
        return hit;
      }
    }
    JwsVerifier.Verified verified = jws.verify(token);
    String type = verified.type();
    if (type != null && !TYPES.contains(type.toLowerCase(Locale.ROOT))) {
      throw new InvalidTokenException(
          "token type " + InvalidTokenException.printable(type) + " is not JWT");
    }
    JoseJson.Claims claims = JoseJson.claims(verified.payload(), roleClaims != null);
    // The checks and messages of Nimbus's DefaultJWTClaimsVerifier, which this replaces.
    if (claims.aud() == null || claims.aud().isEmpty()) {
      throw new InvalidTokenException("JWT missing required aud claim");
    }
    if (!claims.aud().contains(audience)) {
      throw new InvalidTokenException("JWT aud claim rejected");
    }
    checkRequired(claims);
    if (!claims.iss().equals(issuer)) {
      throw new InvalidTokenException("JWT iss claim value rejected");
    }
    // Nimbus's DefaultJWTClaimsVerifier semantics, in milliseconds: exp + skew > now,
    // nbf - skew < now; iat no later than now + skew.
    Instant now = clock.instant();
    long nowMillis = now.toEpochMilli();
    long skewMillis = skew.toMillis();
    if (claims.exp() * 1000 + skewMillis <= nowMillis) {
      throw new InvalidTokenException("Expired JWT");
    }
    if (claims.nbf() != null && claims.nbf() * 1000 - skewMillis >= nowMillis) {
      throw new InvalidTokenException("JWT before use time");
    }
    if (claims.iat() != null && Instant.ofEpochSecond(claims.iat()).isAfter(now.plus(skew))) {
      throw new InvalidTokenException("token issued in the future");
    }
    Instant exp = Instant.ofEpochSecond(claims.exp());
    VerifiedToken result =
        new VerifiedToken(
            new Principal(principalId(claims.sub()), roles(claims), AuthMethod.JWT, claims.jti()),
            min(exp, now.plus(cacheTtl)),
            claims.x5tS256(),
            // exp plus the skew the claims check allows: streams it opened end then.
            exp.plus(skew));
    if (cacheKey != null) {
      cache.put(cacheKey, result);
    }
    return result;
  }

  /** {@code exp}, {@code iss}, {@code sub} are required ({@code aud} is checked before). */
  private static void checkRequired(JoseJson.Claims claims) throws InvalidTokenException {
    if (claims.exp() != null && claims.iss() != null && claims.sub() != null) {
      return;
    }
    List<String> missing = new ArrayList<>(3);
    if (claims.exp() == null) {
      missing.add("exp");
    }
    if (claims.iss() == null) {
      missing.add("iss");
    }
    if (claims.sub() == null) {
      missing.add("sub");
    }
    if (!missing.isEmpty()) {
      throw new InvalidTokenException("JWT missing required claims: " + missing);
    }
  }

  /** The roles from the configured source, or from the top-level {@code roles} array. */
  private Set<String> roles(JoseJson.Claims claims) throws InvalidTokenException {
    if (roleClaims != null) {
      JWTClaimsSet set;
      try {
        set = JWTClaimsSet.parse(claims.all());
      } catch (ParseException e) {
        throw new InvalidTokenException("malformed claims");
      }
      return roleClaims.roles(set);
    }
    if (claims.rolesMalformed()) {
      throw new InvalidTokenException("roles claim is not an array of strings");
    }
    if (claims.roles() == null) {
      return Set.of();
    }
    // An issuer's tokens carry a handful of role lists: each is validated once. Only valid lists
    // are remembered, at most MAX_REMEMBERED_ROLE_LISTS (the lists are the token's choice).
    Set<String> roles = validatedRoles.get(claims.roles());
    if (roles == null) {
      roles = Set.copyOf(roleNames(claims.roles())); // immutable: Principal keeps it as is
      if (validatedRoles.size() < MAX_REMEMBERED_ROLE_LISTS) {
        validatedRoles.put(claims.roles(), roles);
      }
    }
    return roles;
  }

  /** {@code <iss>#<sub>}, or the bare SPIFFE ID for the local CA's own identities. */
  private String principalId(String subject) {
    if (localCaTrustDomain != null && subject.startsWith("spiffe://")) {
      try {
        if (SpiffeId.parse(subject).trustDomain().equals(localCaTrustDomain)) {
          return subject;
        }
      } catch (IdentityFormatException e) {
        // not a valid SPIFFE ID: stays issuer-qualified
      }
    }
    return issuer + "#" + subject;
  }

  /** The default {@link RoleClaims}: a top-level {@code roles} array of valid role names. */
  public static Set<String> roles(JWTClaimsSet claims) throws InvalidTokenException {
    Object raw = claims.getClaim("roles");
    if (raw == null) {
      return Set.of();
    }
    if (!(raw instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
      throw new InvalidTokenException("roles claim is not an array of strings");
    }
    List<String> names = new ArrayList<>();
    list.forEach(r -> names.add((String) r));
    return roleNames(names);
  }

  private static Set<String> roleNames(List<String> names) throws InvalidTokenException {
    try {
      return new LinkedHashSet<>(RoleNames.validate(names));
    } catch (IdentityFormatException e) {
      throw new InvalidTokenException("roles claim: " + e.getMessage());
    }
  }

  private void checkBinding(VerifiedToken token, AuthRequest request)
      throws InvalidTokenException {
    if (token.x5tS256() == null) {
      if (requireBinding) {
        throw new InvalidTokenException("token has no cnf binding, which this issuer requires");
      }
      return;
    }
    X509Certificate cert =
        request
            .clientCertificate()
            .orElseThrow(
                () -> new InvalidTokenException("certificate-bound token sent without a certificate"));
    byte[] actual;
    try {
      actual =
          Base64.getUrlEncoder()
              .withoutPadding()
              .encode(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
      throw new InvalidTokenException("cannot encode the client certificate");
    }
    if (!MessageDigest.isEqual(actual, token.x5tS256().getBytes(StandardCharsets.US_ASCII))) {
      throw new InvalidTokenException("cnf x5t#S256 does not match the client certificate");
    }
  }

  private static String sha256(String token) {
    try {
      return Base64.getEncoder()
          .encodeToString(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JDK", e);
    }
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Configures a {@link JwtAuthenticator}. */
  public static final class Builder {
    private String issuer;
    private String localCaTrustDomain;
    private String audience;
    private JwtKeys keys;
    private Set<JWSAlgorithm> algorithms = Set.of(JWSAlgorithm.ES256);
    private Duration skew = CLOCK_SKEW.defaultValue();
    private Duration cacheTtl = TOKEN_CACHE_TTL.defaultValue();
    private int cacheSize = TOKEN_CACHE_SIZE.defaultValue();
    private Clock clock = Clock.systemUTC();
    private RoleClaims roleClaims;
    private boolean requireBinding;

    private Builder() {}

    /** Where roles come from (default: the top-level {@code roles} array). */
    public Builder roleClaims(RoleClaims roleClaims) {
      this.roleClaims = Objects.requireNonNull(roleClaims, "roleClaims");
      return this;
    }

    /** Refuse tokens without {@code cnf.x5t#S256} (default false: bound only when present). */
    public Builder requireCertificateBinding(boolean require) {
      this.requireBinding = require;
      return this;
    }

    /** The only accepted {@code iss} (exact match). Required. */
    public Builder issuer(String issuer) {
      this.issuer = requireText(issuer, "issuer");
      return this;
    }

    /**
     * Declares the issuer to be the Gatehouse CA of {@code trustDomain} (its token endpoint or
     * {@code gatehouse token}): a token whose {@code sub} is a SPIFFE ID of that trust domain is
     * the same principal as the certificate naming it. Never set this for another issuer: its
     * tokens could then impersonate local identities. Off by default.
     */
    public Builder localCaTrustDomain(String trustDomain) {
      this.localCaTrustDomain = requireText(trustDomain, "trust domain");
      return this;
    }

    /** This server's resource URL, which {@code aud} must contain (RFC 8707). Required. */
    public Builder audience(String audience) {
      this.audience = requireText(audience, "audience");
      return this;
    }

    /** Verification keys. Required. */
    public Builder keys(JwtKeys keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /**
     * The algorithm allow-list by JWS name (default {@code ES256}); see {@link
     * JwsVerifier#SUPPORTED}. HMAC names need an {@code oct} key of at least 256 bits from a file.
     */
    public Builder algorithms(Iterable<String> names) {
      Set<JWSAlgorithm> parsed = new LinkedHashSet<>();
      for (String name : names) {
        JWSAlgorithm alg = JWSAlgorithm.parse(name);
        if (!JwsVerifier.SUPPORTED.contains(alg)) {
          throw new IllegalArgumentException("unsupported JWS algorithm: " + name);
        }
        parsed.add(alg);
      }
      this.algorithms = Set.copyOf(parsed);
      return this;
    }

    /** Clock skew for {@code exp}, {@code nbf}, {@code iat}; 0–60 s (default 60 s). */
    public Builder clockSkew(Duration skew) {
      this.skew = CLOCK_SKEW.check(skew);
      return this;
    }

    /** How long a verified token is remembered (default 60 s, at most 10 min, 0 disables). */
    public Builder cacheTtl(Duration ttl) {
      this.cacheTtl = TOKEN_CACHE_TTL.check(ttl);
      return this;
    }

    /** Most verified tokens remembered (default 10,000). */
    public Builder cacheSize(int size) {
      this.cacheSize = TOKEN_CACHE_SIZE.check(size);
      return this;
    }

    /** The clock tokens are checked against (tests). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    public JwtAuthenticator build() {
      if (issuer == null || audience == null || keys == null) {
        throw new IllegalStateException("JWT authentication needs issuer, audience and keys");
      }
      return new JwtAuthenticator(this);
    }

    private static String requireText(String value, String what) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank");
      }
      return value;
    }
  }
}
