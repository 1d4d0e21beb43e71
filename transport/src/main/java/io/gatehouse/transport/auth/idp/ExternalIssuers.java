package io.gatehouse.transport.auth.idp;

import io.gatehouse.transport.auth.jwt.JwtConfig;
import com.nimbusds.jose.JWSObject;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.AuthRequest;
import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.Authenticator;
import io.gatehouse.transport.auth.jwt.JwsVerifier;
import io.gatehouse.transport.auth.jwt.JwtAuthentication;
import io.gatehouse.transport.auth.jwt.JwtAuthenticator;
import io.gatehouse.transport.auth.jwt.JwtKeys;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer JWTs from several issuers: {@code auth.jwt.issuer} (keys from a file or URL) and each
 * of {@code auth.jwt.issuers} (keys found by {@link IssuerDiscovery}). The unverified {@code iss}
 * only picks which issuer's {@link JwtAuthenticator} checks the token; that authenticator then
 * verifies signature, {@code iss}, {@code aud} and times as for a single issuer. A token naming
 * no configured issuer is refused. Principals stay {@code <iss>#<sub>}, so an external issuer
 * can never produce a local SPIFFE principal; only {@code auth.jwt.issuer} declared the local CA
 * ({@code auth.jwt.localCaTrustDomain}) names its SPIFFE subjects bare, after its own checks.
 */
public final class ExternalIssuers implements Authenticator, Closeable {
  private static final Logger log = LoggerFactory.getLogger(ExternalIssuers.class);

  private final Map<String, JwtAuthenticator> byIssuer;

  private ExternalIssuers(Map<String, JwtAuthenticator> byIssuer) {
    this.byIssuer = Map.copyOf(byIssuer);
  }

  /**
   * The authenticator for {@code config} (enabled, with at least one external issuer). Discovery
   * runs now: an issuer whose metadata cannot be fetched or does not match stops the start.
   *
   * @param resource this server's resource URL, the audience of issuers that set none
   * @throws IllegalArgumentException naming the issuer and what went wrong
   */
  public static ExternalIssuers fromConfig(JwtConfig config, String resource) {
    Map<String, JwtAuthenticator> byIssuer = new LinkedHashMap<>();
    try {
      if (config.issuer() != null) {
        byIssuer.put(config.issuer(), JwtAuthentication.fromConfig(config, resource));
      }
      for (JwtConfig.Issuer issuer : config.issuers()) {
        byIssuer.put(issuer.issuer(), external(config, issuer, resource));
      }
    } catch (RuntimeException e) {
      new ExternalIssuers(byIssuer).close();
      throw e;
    }
    return new ExternalIssuers(byIssuer);
  }

  private static JwtAuthenticator external(JwtConfig jwt, JwtConfig.Issuer issuer,
      String resource) {
    String key = "auth.jwt.issuers[" + issuer.issuer() + "]";
    URI jwksUri;
    SSLContext tls;
    try {
      tls = issuer.trustBundle() == null ? null : TrustBundles.trusting(issuer.trustBundle());
      jwksUri = new IssuerDiscovery(tls, jwt.jwksConnectTimeout(), jwt.jwksFetchDeadline())
          .jwksUri(issuer.issuer());
    } catch (IOException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
    log.info("issuer {}: JWK set {}", issuer.issuer(), jwksUri);
    JwtKeys keys = JwtAuthentication.jwksKeys(jwt, jwksUri).sslContext(tls).build();
    try {
      return JwtAuthentication.authenticator(jwt, keys, issuer.issuer(),
          issuer.audience() != null ? issuer.audience() : resource, issuer.algorithms(),
          b -> b.roleClaims(new ClaimRoles(issuer.rolesClaim(), issuer.roleMapping()))
              .requireCertificateBinding(issuer.requireCnf()));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
  }

  /** The accepted issuers, in configuration order. */
  public List<String> issuers() {
    return List.copyOf(byIssuer.keySet());
  }

  @Override
  public AuthMethod method() {
    return AuthMethod.JWT;
  }

  @Override
  public AuthResult authenticate(AuthRequest request) {
    List<String> values = request.headers("Authorization");
    JwtAuthenticator any = byIssuer.values().iterator().next();
    if (values.size() != 1 || !values.get(0).regionMatches(true, 0, "Bearer ", 0, 7)) {
      return any.authenticate(request); // absent, duplicate or another scheme: judged as before
    }
    String token = values.get(0).substring(7).strip();
    if (token.length() > JwsVerifier.MAX_TOKEN_CHARS) {
      return any.authenticate(request); // refused there, before parsing
    }
    Object iss;
    try {
      Map<String, Object> claims = JWSObject.parse(token).getPayload().toJSONObject();
      iss = claims == null ? null : claims.get("iss");
    } catch (ParseException e) {
      return any.authenticate(request); // refused there as malformed
    }
    JwtAuthenticator chosen = iss instanceof String name ? byIssuer.get(name) : null;
    if (chosen == null) {
      return AuthResult.rejectedToken(AuthMethod.JWT, "token from an issuer not configured");
    }
    return chosen.authenticate(request);
  }

  @Override
  public void close() {
    for (JwtAuthenticator authenticator : byIssuer.values()) {
      try {
        authenticator.close();
      } catch (IOException e) {
        log.warn("closing a JWT key source: {}", e.getMessage());
      }
    }
  }
}
