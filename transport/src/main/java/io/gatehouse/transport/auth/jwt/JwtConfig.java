package io.gatehouse.transport.auth.jwt;

import com.fasterxml.jackson.annotation.JsonCreator;
import io.gatehouse.transport.setting.Setting;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

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
public record JwtConfig(Boolean enabled, String issuer, String audience, List<String> algorithms,
    Path keyFile, URI jwksUrl, Duration jwksCacheTtl, Duration jwksRefreshAhead,
    Duration jwksMinRefetchInterval, Duration jwksConnectTimeout, Duration jwksFetchDeadline,
    Duration clockSkew, Duration tokenCacheTtl, Integer tokenCacheSize,
    Boolean insecurePlainHttpJwks, List<Issuer> issuers, String localCaTrustDomain,
    Boolean localCaAuthorizationServer) {
  public JwtConfig {
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

  /** A builder with every key unset (its default). */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link JwtConfig}; unset keys take their defaults, checked in the record. */
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

    public JwtConfig build() {
      return new JwtConfig(enabled, issuer, audience, algorithms, keyFile, jwksUrl, jwksCacheTtl,
          jwksRefreshAhead, jwksMinRefetchInterval, jwksConnectTimeout, jwksFetchDeadline,
          clockSkew, tokenCacheTtl, tokenCacheSize, insecurePlainHttpJwks, issuers,
          localCaTrustDomain, localCaAuthorizationServer);
    }
  }

  /** Off. */
  public static JwtConfig disabled() {
    return builder().enabled(false).build();
  }

  /** On, with a key file (PEM, JWK or JWK set) and the default algorithm ES256. */
  public static JwtConfig withKeyFile(String issuer, Path keyFile) {
    return builder().enabled(true).issuer(issuer).keyFile(keyFile).build();
  }

  /** On, with a JWK set URL and the default algorithm ES256. */
  public static JwtConfig withJwksUrl(String issuer, URI jwksUrl) {
    return builder().enabled(true).issuer(issuer).jwksUrl(jwksUrl).build();
  }

  /** This config with plain-http JWKS to loopback allowed or not (insecure; see the field). */
  public JwtConfig withInsecurePlainHttpJwks(boolean allow) {
    return toBuilder().insecurePlainHttpJwks(allow).build();
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
    /** Where roles are read from when {@code rolesClaim} is unset. */
    public static final String DEFAULT_ROLES_CLAIM = "roles";
    /** JWS algorithms accepted from an external issuer when {@code algorithms} is unset. */
    public static final List<String> DEFAULT_ALGORITHMS = List.of("RS256", "ES256");

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
          ? DEFAULT_ROLES_CLAIM : rolesClaim;
      roleMapping = roleMapping == null ? null : java.util.Map.copyOf(roleMapping);
      requireCnf = requireCnf != null && requireCnf;
      algorithms = algorithms == null || algorithms.isEmpty()
          ? DEFAULT_ALGORITHMS
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
}
