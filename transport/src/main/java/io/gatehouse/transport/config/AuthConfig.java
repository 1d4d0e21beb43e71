package io.gatehouse.transport.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.auth.audit.AuditLog;
import io.gatehouse.transport.auth.cert.ClientCertificateAuthenticator;
import io.gatehouse.transport.auth.jwt.JwtAuthenticator;
import io.gatehouse.transport.auth.jwt.JwtKeys;
import io.gatehouse.transport.auth.pipeline.GatehouseAuth;
import io.gatehouse.transport.auth.ratelimit.AuthFailureLockout;
import io.gatehouse.transport.auth.ratelimit.RateLimiter;
import io.gatehouse.transport.auth.revocation.RevocationChecker;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The {@code auth:} section of the transport config: which authentication methods are on, how
 * revocation, policy, rate limits, lockout and audit behave. Safe defaults: client certificates on,
 * JWT and API keys off, revocation fail-closed, no policy (the pipeline refuses to start without
 * one). Each default and bound is a {@link Setting} constant of the component that owns it;
 * every key is documented in {@code docs/configuration.md}.
 *
 * @param resource this server's MCP endpoint URL as clients reach it (RFC 9728 {@code resource},
 *     JWT audience default); required with JWT (checked by {@code GatehouseAuth}), else default
 *     {@code https://localhost:<port>/mcp}
 * @param authorizationServers RFC 9728 {@code authorization_servers}: only real authorization
 *     servers; default none, and the field is left out
 * @param scopesSupported RFC 9728 {@code scopes_supported}; default none (tool names are not
 *     advertised to unauthenticated callers)
 * @param certificate client-certificate authentication
 * @param jwt bearer-JWT authentication
 * @param apiKey API-key authentication
 * @param revocation OCSP checks of client certificates
 * @param policy the RBAC policy file
 * @param rateLimits bounds of the rate limiter (rates are in the policy file)
 * @param lockout lockout of sources after failed authentications
 * @param audit the audit log
 * @param executor the threads authentication runs on (never the event loop)
 */
public record AuthConfig(
    URI resource,
    List<String> authorizationServers,
    List<String> scopesSupported,
    Certificate certificate,
    Jwt jwt,
    ApiKey apiKey,
    Revocation revocation,
    PolicyFile policy,
    RateLimits rateLimits,
    Lockout lockout,
    Audit audit,
    Executor executor) {

  public AuthConfig {
    if (resource != null && !("https".equals(resource.getScheme())
        || "http".equals(resource.getScheme())) || resource != null && resource.getHost() == null) {
      throw new IllegalArgumentException("auth.resource must be an absolute http(s) URL: " + resource);
    }
    authorizationServers = authorizationServers == null ? null : List.copyOf(authorizationServers);
    scopesSupported = scopesSupported == null ? List.of() : List.copyOf(scopesSupported);
    certificate = certificate == null ? Certificate.defaults() : certificate;
    jwt = jwt == null ? Jwt.disabled() : jwt;
    apiKey = apiKey == null ? new ApiKey(null, null) : apiKey;
    revocation = revocation == null ? Revocation.defaults() : revocation;
    policy = policy == null ? new PolicyFile(null) : policy;
    rateLimits = rateLimits == null ? new RateLimits(null) : rateLimits;
    lockout = lockout == null ? Lockout.defaults() : lockout;
    audit = audit == null ? Audit.defaults() : audit;
    executor = executor == null ? new Executor(null, null) : executor;
    if (certificate.trustDomain() != null && jwt.localCaTrustDomain() != null
        && !certificate.trustDomain().equals(jwt.localCaTrustDomain())) {
      throw new IllegalArgumentException("auth.jwt.localCaTrustDomain " + jwt.localCaTrustDomain()
          + " differs from auth.certificate.trustDomain " + certificate.trustDomain());
    }
    if (!certificate.enabled() && !jwt.enabled() && !apiKey.enabled()) {
      throw new IllegalArgumentException(
          "auth: enable at least one of certificate, jwt, apiKey");
    }
  }

  /** All defaults (certificates only; a policy file must still be configured). */
  public static AuthConfig defaults() {
    return builder().build();
  }

  /** This config with {@code file} as the policy. */
  public AuthConfig withPolicy(Path file) {
    return toBuilder().policy(new PolicyFile(file)).build();
  }

  /** This config with other authentication methods. */
  public AuthConfig withMethods(Certificate certificate, Jwt jwt, ApiKey apiKey) {
    return toBuilder().certificate(certificate).jwt(jwt).apiKey(apiKey).build();
  }

  /** This config with other revocation settings. */
  public AuthConfig withRevocation(Revocation revocation) {
    return toBuilder().revocation(revocation).build();
  }

  /** This config with other lockout settings. */
  public AuthConfig withLockout(Lockout lockout) {
    return toBuilder().lockout(lockout).build();
  }

  /** This config with another audit log. */
  public AuthConfig withAudit(Audit audit) {
    return toBuilder().audit(audit).build();
  }

  /** This config with another resource URL. */
  public AuthConfig withResource(URI resource) {
    return toBuilder().resource(resource).build();
  }

  /** A builder starting from this config: set what changes, keep the rest. */
  public Builder toBuilder() {
    return new Builder().resource(resource).authorizationServers(authorizationServers)
        .scopesSupported(scopesSupported).certificate(certificate).jwt(jwt).apiKey(apiKey)
        .revocation(revocation).policy(policy).rateLimits(rateLimits).lockout(lockout)
        .audit(audit).executor(executor);
  }

  /** A builder with every key unset (its default). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link AuthConfig}; unset keys take their defaults, checked in the record. */
  public static final class Builder {
    private URI resource;
    private List<String> authorizationServers;
    private List<String> scopesSupported;
    private Certificate certificate;
    private Jwt jwt;
    private ApiKey apiKey;
    private Revocation revocation;
    private PolicyFile policy;
    private RateLimits rateLimits;
    private Lockout lockout;
    private Audit audit;
    private Executor executor;

    private Builder() {}

    public Builder resource(URI resource) {
      this.resource = resource;
      return this;
    }

    public Builder authorizationServers(List<String> authorizationServers) {
      this.authorizationServers = authorizationServers;
      return this;
    }

    public Builder scopesSupported(List<String> scopesSupported) {
      this.scopesSupported = scopesSupported;
      return this;
    }

    public Builder certificate(Certificate certificate) {
      this.certificate = certificate;
      return this;
    }

    public Builder jwt(Jwt jwt) {
      this.jwt = jwt;
      return this;
    }

    public Builder apiKey(ApiKey apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    public Builder revocation(Revocation revocation) {
      this.revocation = revocation;
      return this;
    }

    public Builder policy(PolicyFile policy) {
      this.policy = policy;
      return this;
    }

    public Builder rateLimits(RateLimits rateLimits) {
      this.rateLimits = rateLimits;
      return this;
    }

    public Builder lockout(Lockout lockout) {
      this.lockout = lockout;
      return this;
    }

    public Builder audit(Audit audit) {
      this.audit = audit;
      return this;
    }

    public Builder executor(Executor executor) {
      this.executor = executor;
      return this;
    }

    public AuthConfig build() {
      return new AuthConfig(resource, authorizationServers, scopesSupported, certificate, jwt,
          apiKey, revocation, policy, rateLimits, lockout, audit, executor);
    }
  }

  /**
   * Client certificates (chain checked at the TLS handshake against {@code tls.trustBundle}).
   *
   * @param enabled default true
   * @param trustDomain accept only SPIFFE IDs in this trust domain; default any
   * @param clockSkew tolerance on validity
   */
  public record Certificate(Boolean enabled, String trustDomain, Duration clockSkew) {
    public Certificate {
      enabled = enabled == null || enabled;
      clockSkew = ClientCertificateAuthenticator.CLOCK_SKEW.orDefault(clockSkew);
    }

    /** On, any trust domain, 60 s skew. */
    public static Certificate defaults() {
      return new Certificate(null, null, null);
    }

    /** Off. */
    public static Certificate disabled() {
      return new Certificate(false, null, null);
    }
  }

  /**
   * Bearer JWTs. With {@code enabled}, {@code issuers} or {@code issuer} is required; {@code
   * issuer} needs exactly one of {@code keyFile} / {@code jwksUrl}.
   *
   * @param enabled default false
   * @param issuer exact {@code iss}
   * @param audience what {@code aud} must contain; default {@code auth.resource}
   * @param algorithms JWS allow-list; default {@code [ES256]}
   * @param keyFile PEM, JWK or JWK set file
   * @param jwksUrl JWK set URL; HTTPS (the JVM's trust store)
   * @param jwksCacheTtl see the owning component's {@link Setting}
   * @param jwksRefreshAhead see the owning component's {@link Setting}
   * @param jwksMinRefetchInterval see the owning component's {@link Setting}
   * @param jwksConnectTimeout see the owning component's {@link Setting}
   * @param jwksFetchDeadline see the owning component's {@link Setting}
   * @param clockSkew see the owning component's {@link Setting}
   * @param tokenCacheTtl see the owning component's {@link Setting}
   * @param tokenCacheSize see the owning component's {@link Setting}
   * @param insecurePlainHttpJwks allow an {@code http://} {@code jwksUrl} to a loopback address;
   *     default false. Insecure (any local process that binds the port can mint tokens); warned
   *     about at every start
   * @param issuers external identity providers, found by discovery (see {@link Issuer})
   * @param localCaTrustDomain declares {@code issuer} to be the Gatehouse CA of this trust domain
   *     ({@code ca serve}'s token endpoint, {@code gatehouse token}): its tokens whose {@code sub}
   *     is a SPIFFE ID of the trust domain are that identity itself, the same principal as the
   *     certificate; default unset (every principal {@code <iss>#<sub>}). Never for another issuer
   * @param localCaAuthorizationServer {@code issuer} is the URL of {@code ca serve}'s HTTPS
   *     listener, which serves RFC 8414 metadata: list it in the protected-resource metadata's
   *     {@code authorization_servers}; default false. Needs {@code localCaTrustDomain}
   */
  public record Jwt(Boolean enabled, String issuer, String audience, List<String> algorithms,
      Path keyFile, URI jwksUrl, Duration jwksCacheTtl, Duration jwksRefreshAhead,
      Duration jwksMinRefetchInterval, Duration jwksConnectTimeout, Duration jwksFetchDeadline,
      Duration clockSkew, Duration tokenCacheTtl, Integer tokenCacheSize,
      Boolean insecurePlainHttpJwks, List<Issuer> issuers, String localCaTrustDomain,
      Boolean localCaAuthorizationServer) {
    public Jwt {
      issuers = issuers == null ? List.of() : List.copyOf(issuers);
      localCaAuthorizationServer = localCaAuthorizationServer != null && localCaAuthorizationServer;
      if (localCaTrustDomain != null
          && !io.gatehouse.pki.identity.SpiffeId.isValidTrustDomain(localCaTrustDomain)) {
        throw new IllegalArgumentException(
            "auth.jwt.localCaTrustDomain is not a valid trust domain: " + localCaTrustDomain);
      }
      enabled = enabled != null && enabled;
      insecurePlainHttpJwks = insecurePlainHttpJwks != null && insecurePlainHttpJwks;
      algorithms = algorithms == null || algorithms.isEmpty() ? List.of("ES256") : List.copyOf(algorithms);
      jwksCacheTtl = JwtKeys.CACHE_TTL.orDefault(jwksCacheTtl);
      jwksRefreshAhead = JwtKeys.REFRESH_AHEAD.orDefault(jwksRefreshAhead);
      jwksMinRefetchInterval = JwtKeys.MIN_REFETCH_INTERVAL.orDefault(jwksMinRefetchInterval);
      jwksConnectTimeout = JwtKeys.CONNECT_TIMEOUT.orDefault(jwksConnectTimeout);
      jwksFetchDeadline = JwtKeys.FETCH_DEADLINE.orDefault(jwksFetchDeadline);
      clockSkew = JwtAuthenticator.CLOCK_SKEW.orDefault(clockSkew);
      tokenCacheTtl = JwtAuthenticator.TOKEN_CACHE_TTL.orDefault(tokenCacheTtl);
      tokenCacheSize = JwtAuthenticator.TOKEN_CACHE_SIZE.orDefault(tokenCacheSize);
      if (enabled) {
        if ((issuer == null || issuer.isBlank()) && issuers.isEmpty()) {
          throw new IllegalArgumentException(
              "auth.jwt.issuer is required when jwt is enabled (or set auth.jwt.issuers)");
        }
        if (issuer != null && issuers.stream().anyMatch(i -> i.issuer().equals(issuer))) {
          throw new IllegalArgumentException(
              "auth.jwt.issuers repeats auth.jwt.issuer " + issuer);
        }
        if (issuers.stream().map(Issuer::issuer).distinct().count() != issuers.size()) {
          throw new IllegalArgumentException("auth.jwt.issuers names an issuer twice");
        }
        if (issuer == null && (keyFile != null || jwksUrl != null)) {
          throw new IllegalArgumentException(
              "auth.jwt.issuer is required with auth.jwt.keyFile or auth.jwt.jwksUrl");
        }
        if (issuer != null && (keyFile == null) == (jwksUrl == null)) {
          throw new IllegalArgumentException(
              "auth.jwt: set exactly one of keyFile and jwksUrl");
        }
        if (localCaTrustDomain != null && issuer == null) {
          throw new IllegalArgumentException("auth.jwt.localCaTrustDomain declares auth.jwt.issuer"
              + " the local CA: set auth.jwt.issuer (and its keyFile or jwksUrl)");
        }
        if (localCaAuthorizationServer && localCaTrustDomain == null) {
          throw new IllegalArgumentException(
              "auth.jwt.localCaAuthorizationServer needs auth.jwt.localCaTrustDomain");
        }
        if (localCaAuthorizationServer && !isHttpsIssuer(issuer)) {
          throw new IllegalArgumentException("auth.jwt.localCaAuthorizationServer: auth.jwt.issuer"
              + " must be the CA service's https URL (no query or fragment), got " + issuer);
        }
      }
    }

    private static boolean isHttpsIssuer(String issuer) {
      try {
        URI uri = new URI(issuer);
        return "https".equals(uri.getScheme()) && uri.getHost() != null
            && uri.getRawQuery() == null && uri.getRawFragment() == null;
      } catch (java.net.URISyntaxException e) {
        return false;
      }
    }

    /** A builder starting from this config: set what changes, keep the rest. */
    public Builder toBuilder() {
      return new Builder().enabled(enabled).issuer(issuer).audience(audience)
          .algorithms(algorithms).keyFile(keyFile).jwksUrl(jwksUrl).jwksCacheTtl(jwksCacheTtl)
          .jwksRefreshAhead(jwksRefreshAhead).jwksMinRefetchInterval(jwksMinRefetchInterval)
          .jwksConnectTimeout(jwksConnectTimeout).jwksFetchDeadline(jwksFetchDeadline)
          .clockSkew(clockSkew).tokenCacheTtl(tokenCacheTtl).tokenCacheSize(tokenCacheSize)
          .insecurePlainHttpJwks(insecurePlainHttpJwks)
          .issuers(issuers).localCaTrustDomain(localCaTrustDomain)
          .localCaAuthorizationServer(localCaAuthorizationServer);
    }

    /**
     * Every issuer whose tokens are accepted, {@code auth.jwt.issuer} first; empty when off. (The
     * protected-resource metadata lists the external ones, found by discovery, and {@code
     * auth.jwt.issuer} only with {@code localCaAuthorizationServer}.)
     */
    public List<String> acceptedIssuers() {
      if (!enabled) {
        return List.of();
      }
      List<String> all = new java.util.ArrayList<>();
      if (issuer != null) {
        all.add(issuer);
      }
      issuers.forEach(i -> all.add(i.issuer()));
      return List.copyOf(all);
    }

    /** A builder with every key unset (its default). */
    public static Builder builder() {
      return new Builder();
    }

    /** Builds a {@link Jwt}; unset keys take their defaults, checked in the record. */
    public static final class Builder {
      private Boolean enabled;
      private String issuer;
      private String audience;
      private List<String> algorithms;
      private Path keyFile;
      private URI jwksUrl;
      private Duration jwksCacheTtl;
      private Duration jwksRefreshAhead;
      private Duration jwksMinRefetchInterval;
      private Duration jwksConnectTimeout;
      private Duration jwksFetchDeadline;
      private Duration clockSkew;
      private Duration tokenCacheTtl;
      private Integer tokenCacheSize;
      private Boolean insecurePlainHttpJwks;
      private List<Issuer> issuers;
      private String localCaTrustDomain;
      private Boolean localCaAuthorizationServer;

      private Builder() {}

      /** Declares {@code issuer} the Gatehouse CA of {@code trustDomain} (see the record). */
      public Builder localCaTrustDomain(String trustDomain) {
        this.localCaTrustDomain = trustDomain;
        return this;
      }

      /** Lists {@code issuer}, the CA service's URL, as an authorization server (see the record). */
      public Builder localCaAuthorizationServer(Boolean listed) {
        this.localCaAuthorizationServer = listed;
        return this;
      }

      public Builder issuers(List<Issuer> issuers) {
        this.issuers = issuers;
        return this;
      }

      public Builder enabled(Boolean enabled) {
        this.enabled = enabled;
        return this;
      }

      public Builder issuer(String issuer) {
        this.issuer = issuer;
        return this;
      }

      public Builder audience(String audience) {
        this.audience = audience;
        return this;
      }

      public Builder algorithms(List<String> algorithms) {
        this.algorithms = algorithms;
        return this;
      }

      public Builder keyFile(Path keyFile) {
        this.keyFile = keyFile;
        return this;
      }

      public Builder jwksUrl(URI jwksUrl) {
        this.jwksUrl = jwksUrl;
        return this;
      }

      public Builder jwksCacheTtl(Duration jwksCacheTtl) {
        this.jwksCacheTtl = jwksCacheTtl;
        return this;
      }

      public Builder jwksRefreshAhead(Duration jwksRefreshAhead) {
        this.jwksRefreshAhead = jwksRefreshAhead;
        return this;
      }

      public Builder jwksMinRefetchInterval(Duration jwksMinRefetchInterval) {
        this.jwksMinRefetchInterval = jwksMinRefetchInterval;
        return this;
      }

      public Builder jwksConnectTimeout(Duration jwksConnectTimeout) {
        this.jwksConnectTimeout = jwksConnectTimeout;
        return this;
      }

      public Builder jwksFetchDeadline(Duration jwksFetchDeadline) {
        this.jwksFetchDeadline = jwksFetchDeadline;
        return this;
      }

      public Builder clockSkew(Duration clockSkew) {
        this.clockSkew = clockSkew;
        return this;
      }

      public Builder tokenCacheTtl(Duration tokenCacheTtl) {
        this.tokenCacheTtl = tokenCacheTtl;
        return this;
      }

      public Builder tokenCacheSize(Integer tokenCacheSize) {
        this.tokenCacheSize = tokenCacheSize;
        return this;
      }

      /** Insecure: allow an {@code http://} JWKS URL to a loopback address. */
      public Builder insecurePlainHttpJwks(Boolean insecurePlainHttpJwks) {
        this.insecurePlainHttpJwks = insecurePlainHttpJwks;
        return this;
      }

      public Jwt build() {
        return new Jwt(enabled, issuer, audience, algorithms, keyFile, jwksUrl, jwksCacheTtl,
            jwksRefreshAhead, jwksMinRefetchInterval, jwksConnectTimeout, jwksFetchDeadline,
            clockSkew, tokenCacheTtl, tokenCacheSize, insecurePlainHttpJwks, issuers,
            localCaTrustDomain, localCaAuthorizationServer);
      }
    }

    /** Off. */
    public static Jwt disabled() {
      return builder().enabled(false).build();
    }

    /** On, with a key file (PEM, JWK or JWK set) and the default algorithm ES256. */
    public static Jwt withKeyFile(String issuer, Path keyFile) {
      return builder().enabled(true).issuer(issuer).keyFile(keyFile).build();
    }

    /** On, with a JWK set URL and the default algorithm ES256. */
    public static Jwt withJwksUrl(String issuer, URI jwksUrl) {
      return builder().enabled(true).issuer(issuer).jwksUrl(jwksUrl).build();
    }

    /** This config with plain-http JWKS to loopback allowed or not (insecure; see the field). */
    public Jwt withInsecurePlainHttpJwks(boolean allow) {
      return toBuilder().insecurePlainHttpJwks(allow).build();
    }
  }

  /**
   * An external identity provider ({@code auth.jwt.issuers[]}): its JWK set is found by RFC 8414
   * or OpenID discovery over HTTPS. Principals are {@code <issuer>#<sub>}, never a bare local
   * identity.
   *
   * @param issuer exact {@code iss}, an {@code https} URL; required
   * @param audience what {@code aud} must contain; default {@code auth.resource}
   * @param rolesClaim dotted claim path to an array of names ({@code realm_access.roles}, {@code
   *     groups}) or {@code scope} (a space-separated string); default {@code roles}
   * @param roleMapping IdP name → Gatehouse role; when set, unmapped names are dropped; unset:
   *     names are taken as they are (and must be valid role names)
   * @param requireCnf refuse tokens without {@code cnf.x5t#S256}; default false
   * @param algorithms JWS allow-list; default {@code [RS256, ES256]}
   * @param trustBundle PEM CA certificates for the IdP's HTTPS; default the JDK trust store
   */
  public record Issuer(String issuer, String audience, String rolesClaim,
      java.util.Map<String, String> roleMapping, Boolean requireCnf, List<String> algorithms,
      Path trustBundle) {
    public Issuer {
      URI parsed;
      try {
        parsed = issuer == null ? null : new URI(issuer);
      } catch (java.net.URISyntaxException e) {
        parsed = null;
      }
      if (parsed == null || !"https".equals(parsed.getScheme()) || parsed.getHost() == null
          || parsed.getRawQuery() != null || parsed.getRawFragment() != null) {
        throw new IllegalArgumentException("auth.jwt.issuers[].issuer must be an https URL"
            + " without query or fragment (RFC 8414 §2), got " + issuer);
      }
      rolesClaim = rolesClaim == null || rolesClaim.isBlank()
          ? io.gatehouse.transport.auth.idp.ClaimRoles.DEFAULT_CLAIM : rolesClaim;
      roleMapping = roleMapping == null ? null : java.util.Map.copyOf(roleMapping);
      requireCnf = requireCnf != null && requireCnf;
      algorithms = algorithms == null || algorithms.isEmpty()
          ? io.gatehouse.transport.auth.idp.ExternalIssuers.DEFAULT_ALGORITHMS
          : List.copyOf(algorithms);
    }

    /**
     * An issuer with every other key at its default; also how a plain string in the list (and
     * {@code GATEHOUSE_AUTH_JWT_ISSUERS=https://a,https://b}) is read.
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Issuer of(String issuer) {
      return new Issuer(issuer, null, null, null, null, null, null);
    }
  }

  /**
   * API keys ({@code X-API-Key}).
   *
   * @param enabled default false
   * @param file the key file {@code gatehouse apikey} writes; default {@code certs/apikeys.json}
   */
  public record ApiKey(Boolean enabled, Path file) {
    public ApiKey {
      enabled = enabled != null && enabled;
      file = file == null ? Path.of(ApiKeyStore.DEFAULT_PATH) : file;
    }
  }

  /** What to do when a certificate's revocation status cannot be established. */
  public enum RevocationMode {
    /** Refuse (default). */
    FAIL_CLOSED,
    /** Admit and audit a warning. */
    SOFT_FAIL,
    /** Do not check revocation at all. */
    OFF;

    /** Accepts {@code fail-closed}, {@code soft-fail}, {@code off} (any case, - or _). */
    @JsonCreator
    public static RevocationMode parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "auth.revocation.mode must be fail-closed, soft-fail or off, got '" + text + "'");
      }
    }
  }

  /**
   * OCSP checks of client certificates.
   *
   * @param mode default fail-closed
   * @param responderUrl replaces each certificate's AIA OCSP URL when set
   * @param maxCacheTtl upper bound on trusting an answer
   * @param cacheSize cached answers
   * @param connectTimeout see the owning component's {@link Setting}
   * @param requestTimeout see the owning component's {@link Setting}
   * @param nonce send and require a nonce; default false
   */
  public record Revocation(RevocationMode mode, URI responderUrl, Duration maxCacheTtl,
      Long cacheSize, Duration connectTimeout, Duration requestTimeout, Boolean nonce) {
    public Revocation {
      mode = mode == null ? RevocationMode.FAIL_CLOSED : mode;
      maxCacheTtl = RevocationChecker.MAX_CACHE_TTL.orDefault(maxCacheTtl);
      cacheSize = RevocationChecker.CACHE_SIZE.orDefault(cacheSize);
      connectTimeout = RevocationChecker.CONNECT_TIMEOUT.orDefault(connectTimeout);
      requestTimeout = RevocationChecker.REQUEST_TIMEOUT.orDefault(requestTimeout);
      nonce = nonce != null && nonce;
    }

    /** A builder starting from this config: set what changes, keep the rest. */
    public Builder toBuilder() {
      return new Builder().mode(mode).responderUrl(responderUrl).maxCacheTtl(maxCacheTtl)
          .cacheSize(cacheSize).connectTimeout(connectTimeout).requestTimeout(requestTimeout)
          .nonce(nonce);
    }

    /** A builder with every key unset (its default). */
    public static Builder builder() {
      return new Builder();
    }

    /** Builds a {@link Revocation}; unset keys take their defaults, checked in the record. */
    public static final class Builder {
      private RevocationMode mode;
      private URI responderUrl;
      private Duration maxCacheTtl;
      private Long cacheSize;
      private Duration connectTimeout;
      private Duration requestTimeout;
      private Boolean nonce;

      private Builder() {}

      public Builder mode(RevocationMode mode) {
        this.mode = mode;
        return this;
      }

      public Builder responderUrl(URI responderUrl) {
        this.responderUrl = responderUrl;
        return this;
      }

      public Builder maxCacheTtl(Duration maxCacheTtl) {
        this.maxCacheTtl = maxCacheTtl;
        return this;
      }

      public Builder cacheSize(Long cacheSize) {
        this.cacheSize = cacheSize;
        return this;
      }

      public Builder connectTimeout(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
        return this;
      }

      public Builder requestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        return this;
      }

      public Builder nonce(Boolean nonce) {
        this.nonce = nonce;
        return this;
      }

      public Revocation build() {
        return new Revocation(mode, responderUrl, maxCacheTtl, cacheSize, connectTimeout,
            requestTimeout, nonce);
      }
    }

    /** Fail-closed with the AIA responder and default timeouts. */
    public static Revocation defaults() {
      return builder().build();
    }

    /** This config in {@code mode}. */
    public Revocation withMode(RevocationMode mode) {
      return toBuilder().mode(mode).build();
    }

    /** This config with another max cache TTL. */
    public Revocation withMaxCacheTtl(Duration ttl) {
      return toBuilder().maxCacheTtl(ttl).build();
    }

    /** This config with another request timeout. */
    public Revocation withRequestTimeout(Duration timeout) {
      return toBuilder().requestTimeout(timeout).build();
    }
  }

  /**
   * The RBAC policy.
   *
   * @param file policy YAML (or {@code .json}); required, hot-reloaded
   */
  public record PolicyFile(Path file) {}

  /**
   * Rate-limiter bounds; the rates themselves are in the policy file.
   *
   * @param maxKeys most (principal, tool) buckets kept
   */
  public record RateLimits(Long maxKeys) {
    public RateLimits {
      maxKeys = RateLimiter.MAX_KEYS.orDefault(maxKeys);
    }
  }

  /**
   * Lockout after refused credentials: per (source, attempted identity), plus a per-source cap.
   *
   * @param maxFailures refused credentials for one identity from one source within {@code window}
   *     that lock that identity there
   * @param window see the owning component's {@link Setting}
   * @param duration how long a lock (or a shed source) lasts
   * @param maxSources entries tracked
   * @param maxFailuresPerSource refused credentials of any identities from one source within
   *     {@code window} that shed the source with 429 (requests with a verified client certificate
   *     excepted)
   */
  public record Lockout(Integer maxFailures, Duration window, Duration duration, Long maxSources,
      Integer maxFailuresPerSource) {
    public Lockout {
      maxFailures = AuthFailureLockout.MAX_FAILURES.orDefault(maxFailures);
      window = AuthFailureLockout.WINDOW.orDefault(window);
      duration = AuthFailureLockout.DURATION.orDefault(duration);
      maxSources = AuthFailureLockout.MAX_SOURCES.orDefault(maxSources);
      maxFailuresPerSource =
          AuthFailureLockout.MAX_FAILURES_PER_SOURCE.orDefault(maxFailuresPerSource);
    }

    /** Without a per-source cap setting (it takes its default). */
    public Lockout(Integer maxFailures, Duration window, Duration duration, Long maxSources) {
      this(maxFailures, window, duration, maxSources, null);
    }

    /** Every lockout key at its default. */
    public static Lockout defaults() {
      return new Lockout(null, null, null, null, null);
    }
  }

  /**
   * The audit log.
   *
   * @param file JSON-lines file (mode 0600,
       rolled); unset: SLF4J logger {@code gatehouse.audit} only
   * @param maxFileBytes roll size
   * @param backups rolled files kept
   * @param queueCapacity events queued before dropping
   */
  public record Audit(Path file, Long maxFileBytes, Integer backups, Integer queueCapacity) {
    public Audit {
      maxFileBytes = AuditLog.MAX_FILE_BYTES.orDefault(maxFileBytes);
      backups = AuditLog.BACKUPS.orDefault(backups);
      queueCapacity = AuditLog.QUEUE_CAPACITY.orDefault(queueCapacity);
    }

    /** SLF4J only. */
    public static Audit defaults() {
      return new Audit(null, null, null, null);
    }

    /** To {@code file} as well, with default rolling. */
    public static Audit toFile(Path file) {
      return new Audit(file, null, null, null);
    }
  }

  /**
   * The authentication threads.
   *
   * @param threads unset: the number of processors, at least 2
   * @param queue requests waiting for a thread before new ones get 503
   */
  public record Executor(Integer threads, Integer queue) {
    public Executor {
      threads = GatehouseAuth.THREADS.orDefault(threads);
      queue = GatehouseAuth.QUEUE.orDefault(queue);
    }
  }
}
