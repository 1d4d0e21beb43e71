package io.gatehouse.ca.token;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CaConfig;
import io.gatehouse.ca.authority.Crypto;
import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.pki.identity.RoleNames;
import io.gatehouse.pki.identity.SpiffeId;
import io.gatehouse.ca.issue.Issuer;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Mints Gatehouse JWTs: header {@code alg} (ES256/RS256/EdDSA), {@code kid} (JWK thumbprint),
 * {@code typ JWT}; claims {@code iss} (ca.json issuer), {@code sub} (the client's
 * SPIFFE ID, as in its certificate), {@code aud}, {@code iat}, {@code nbf}, {@code exp}, {@code
 * jti} (128 random bits), {@code roles} (array) and optionally {@code cnf.x5t#S256} (RFC 8705).
 */
public final class TokenMinter {
  /** Shortest token lifetime. */
  public static final Duration MIN_TTL = Duration.ofMinutes(1);

  /** Audience when {@code gatehouse token} is given none: the example server's resource URL. */
  public static final String DEFAULT_AUDIENCE = "https://localhost:8443/mcp";

  private final JwtSigningKey key;
  private final CaConfig config;
  private final String issuer;

  /** A minter signing with {@code key} under {@code config}'s issuer and lifetime policy. */
  public TokenMinter(JwtSigningKey key, CaConfig config) {
    this(key, config, config.tokenIssuer());
  }

  /** A minter signing with {@code key} as {@code issuer} (the token endpoint's URL), under {@code config}'s lifetimes. */
  public TokenMinter(JwtSigningKey key, CaConfig config, String issuer) {
    this.key = key;
    this.config = config;
    this.issuer = issuer;
  }

  /** The {@code iss} of the tokens this minter signs. */
  public String issuer() {
    return issuer;
  }

  /** Checks a request before any key is unlocked; returns the lifetime to use. */
  public static Duration check(CaConfig config, String name, List<String> roles, Duration ttl,
      String audience) throws InvalidRequestException {
    Issuer.checkClientName(name);
    try {
      if (RoleNames.validate(roles).isEmpty()) {
        throw new InvalidRequestException("a token needs at least one --role");
      }
    } catch (IdentityFormatException e) {
      throw new InvalidRequestException(e.getMessage());
    }
    try {
      URI uri = new URI(audience);
      if (!uri.isAbsolute()) {
        throw new URISyntaxException(audience, "not absolute");
      }
    } catch (URISyntaxException e) {
      throw new InvalidRequestException("--aud must be an absolute URL, got '" + audience + "'");
    }
    return config.tokenPolicy().resolve(ttl, "token", MIN_TTL);
  }

  /**
   * Mints a signed JWT.
   *
   * @param boundCertificate certificate to bind with {@code cnf.x5t#S256}, or null
   */
  public String mint(String name, List<String> roles, Duration ttl, String audience,
      X509Certificate boundCertificate, Instant now) throws CaException {
    Duration lifetime = check(config, name, roles, ttl, audience);
    Instant issuedAt = now.truncatedTo(ChronoUnit.SECONDS);
    return sign(SpiffeId.forClient(config.trustDomain(), name).toUri(), roles, audience, boundCertificate,
        issuedAt, issuedAt.plus(lifetime));
  }

  /**
   * Mints a token for the client certificate {@code certificate} (the token endpoint): {@code sub}
   * is its SPIFFE ID, {@code cnf.x5t#S256} binds it, and {@code exp} is the default token lifetime
   * cut to the certificate's {@code notAfter}. The caller has checked the certificate and roles.
   *
   * @throws InvalidRequestException when the certificate expires within {@link #MIN_TTL}
   */
  public String mintForCertificate(SpiffeId subject, List<String> roles, String audience,
      X509Certificate certificate, Instant now) throws CaException {
    Instant issuedAt = now.truncatedTo(ChronoUnit.SECONDS);
    Instant expires = issuedAt.plus(config.tokenPolicy().defaultTtl());
    // A whole second at or before notAfter: the token never outlives the certificate it is bound to.
    Instant certificateEnd = certificate.getNotAfter().toInstant().truncatedTo(ChronoUnit.SECONDS);
    if (certificateEnd.isBefore(expires)) {
      expires = certificateEnd;
    }
    if (Duration.between(issuedAt, expires).compareTo(MIN_TTL) < 0) {
      throw new InvalidRequestException("the certificate expires within " + MIN_TTL.toSeconds()
          + " s: renew it first");
    }
    return sign(subject.toUri(), roles, audience, certificate, issuedAt, expires);
  }

  private String sign(String subject, List<String> roles, String audience, X509Certificate boundCertificate,
      Instant issuedAt, Instant expires) throws CaException {
    byte[] jti = new byte[16];
    Crypto.random().nextBytes(jti);
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .issuer(issuer)
        .subject(subject)
        .audience(audience)
        .issueTime(Date.from(issuedAt))
        .notBeforeTime(Date.from(issuedAt))
        .expirationTime(Date.from(expires))
        .jwtID(Base64URL.encode(jti).toString())
        .claim("roles", List.copyOf(roles));
    if (boundCertificate != null) {
      claims.claim("cnf", Map.of("x5t#S256", thumbprint(boundCertificate)));
    }
    JWSHeader header = new JWSHeader.Builder(key.algorithm())
        .keyID(key.keyId())
        .type(JOSEObjectType.JWT)
        .build();
    SignedJWT jwt = new SignedJWT(header, claims.build());
    try {
      jwt.sign(key.signer());
    } catch (JOSEException e) {
      throw new CaException("cannot sign the token: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  /** RFC 8705 {@code x5t#S256}: base64url SHA-256 of the certificate's DER. */
  public static String thumbprint(X509Certificate certificate) {
    try {
      return Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded())).toString();
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }
}
