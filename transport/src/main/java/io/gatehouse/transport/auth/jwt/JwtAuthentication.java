package io.gatehouse.transport.auth.jwt;

import io.gatehouse.transport.config.AuthConfig;
import java.io.IOException;

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
  public static JwtAuthenticator fromConfig(AuthConfig.Jwt config, String resource) {
    JwtKeys keys = keys(config);
    try {
      JwtAuthenticator.Builder builder = JwtAuthenticator.builder()
          .issuer(config.issuer())
          .audience(config.audience() != null ? config.audience() : resource)
          .keys(keys)
          .algorithms(config.algorithms())
          .clockSkew(config.clockSkew())
          .cacheTtl(config.tokenCacheTtl())
          .cacheSize(config.tokenCacheSize());
      if (config.localCaTrustDomain() != null) {
        // Only this issuer (verified iss, its own keys) may name local SPIFFE identities.
        builder.localCaTrustDomain(config.localCaTrustDomain());
      }
      return builder.build();
    } catch (RuntimeException e) {
      try {
        keys.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private static JwtKeys keys(AuthConfig.Jwt jwt) {
    if (jwt.keyFile() != null) {
      try {
        return JwtKeys.fromFile(jwt.keyFile());
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "auth.jwt.keyFile " + jwt.keyFile() + ": " + e.getMessage(), e);
      }
    }
    try {
      return JwtKeys.jwksUrl(jwt.jwksUrl())
          .cacheTtl(jwt.jwksCacheTtl())
          .refreshAhead(jwt.jwksRefreshAhead())
          .minRefetchInterval(jwt.jwksMinRefetchInterval())
          .connectTimeout(jwt.jwksConnectTimeout())
          .fetchDeadline(jwt.jwksFetchDeadline())
          .insecurePlainHttp(jwt.insecurePlainHttpJwks())
          .build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("auth.jwt.jwksUrl: " + e.getMessage(), e);
    }
  }
}
