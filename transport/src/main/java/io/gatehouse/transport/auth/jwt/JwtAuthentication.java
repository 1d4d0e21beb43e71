package io.gatehouse.transport.auth.jwt;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.function.UnaryOperator;

/** Bearer-JWT authentication from its {@code auth.jwt} section. */
public final class JwtAuthentication {
  private JwtAuthentication() {}

  /**
   * The authenticator {@code config} describes (which must be enabled); closing it closes its
   * key source.
   *
   * @param resource this server's resource URL, the audience when {@code auth.jwt.audience} is
   *     unset
   * @throws IllegalArgumentException naming the key for unreadable key files or bad URLs
   */
  public static JwtAuthenticator fromConfig(JwtConfig config, String resource) {
    // Only this issuer (verified iss, its own keys) may name local SPIFFE identities.
    return authenticator(config, keys(config), config.issuer(),
        config.audience() != null ? config.audience() : resource, config.algorithms(),
        b -> config.localCaTrustDomain() == null ? b : b.localCaTrustDomain(config.localCaTrustDomain()));
  }

  /**
   * A JWK-set source at {@code url} with the cache and timing keys of {@code jwt}; the caller adds
   * TLS trust or the plain-http opt-in. Used for {@code auth.jwt.jwksUrl} and for each external
   * issuer's discovered {@code jwks_uri}.
   */
  public static JwtKeys.JwksUrlBuilder jwksKeys(JwtConfig jwt, URI url) {
    return JwtKeys.jwksUrl(url)
        .cacheTtl(jwt.jwksCacheTtl())
        .refreshAhead(jwt.jwksRefreshAhead())
        .minRefetchInterval(jwt.jwksMinRefetchInterval())
        .connectTimeout(jwt.jwksConnectTimeout())
        .fetchDeadline(jwt.jwksFetchDeadline());
  }

  /**
   * An authenticator for tokens of {@code issuer} for {@code audience}, verified with {@code keys},
   * with the skew and token-cache keys of {@code jwt}; {@code more} adds per-issuer options. When
   * the build fails, {@code keys} is closed.
   */
  public static JwtAuthenticator authenticator(JwtConfig jwt, JwtKeys keys, String issuer,
      String audience, List<String> algorithms, UnaryOperator<JwtAuthenticator.Builder> more) {
    try {
      return more.apply(JwtAuthenticator.builder()
              .issuer(issuer)
              .audience(audience)
              .keys(keys)
              .algorithms(algorithms)
              .clockSkew(jwt.clockSkew())
              .cacheTtl(jwt.tokenCacheTtl())
              .cacheSize(jwt.tokenCacheSize()))
          .build();
    } catch (RuntimeException e) {
      try {
        keys.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static JwtKeys keys(JwtConfig jwt) {
    if (jwt.keyFile() != null) {
      try {
        return JwtKeys.fromFile(jwt.keyFile());
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "auth.jwt.keyFile " + jwt.keyFile() + ": " + e.getMessage(), e);
      }
    }
    try {
      return jwksKeys(jwt, jwt.jwksUrl()).insecurePlainHttp(jwt.insecurePlainHttpJwks()).build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("auth.jwt.jwksUrl: " + e.getMessage(), e);
    }
  }
}
