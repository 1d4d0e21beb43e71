package io.gatehouse.ca.est;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.DefaultJOSEObjectTypeVerifier;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CaConfig;
import io.gatehouse.ca.authority.Crypto;
import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.pki.identity.RoleNames;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.provisioner.Provisioner;
import io.gatehouse.ca.token.JwtSigningKey;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One-time EST enrollment tokens: JWTs signed by the CA's JWT key with their own {@code typ}
 * ({@value #TYPE}) and audience ({@value #AUDIENCE}), so an enrollment token is never accepted as
 * an access token and an access token is never accepted here. Claims: {@code sub} (the name),
 * {@code prv} (provisioner), {@code kind}, {@code roles} (clients) or {@code dns}/{@code ip}
 * (servers), {@code jti} (128 random bits, spent in the store on use), {@code iat}, {@code nbf},
 * {@code exp}.
 */
public final class EnrollmentTokens {
  /** JOSE {@code typ} of an enrollment token. */
  public static final String TYPE = "gatehouse-enroll+jwt";
  /** The fixed {@code aud}. */
  public static final String AUDIENCE = "urn:gatehouse:est:enroll";
  /** Default token lifetime. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(10);
  /** Shortest token lifetime. */
  public static final Duration MIN_TTL = Duration.ofMinutes(1);
  /** Longest token lifetime: it is a bearer secret until spent. */
  public static final Duration MAX_TTL = Duration.ofHours(24);

  private static final String PROVISIONER = "prv";
  private static final String KIND = "kind";
  private static final String ROLES = "roles";
  private static final String DNS = "dns";
  private static final String IP = "ip";

  /**
   * What a verified token grants.
   *
   * @param name client name, or a server's first DNS name
   * @param provisioner provisioner name
   * @param kind client or server
   * @param roles client roles (empty for servers)
   * @param dnsNames server DNS names (empty for clients)
   * @param ipAddresses server IP addresses (empty for clients)
   * @param jti the one-time id
   * @param expiresAt {@code exp}
   */
  public record Claims(String name, String provisioner, Provisioner.Kind kind, List<String> roles,
      List<String> dnsNames, List<String> ipAddresses, String jti, Instant expiresAt) {}

  private final JwtSigningKey key;
  private final CaConfig config;

  /** Tokens signed and verified with the CA's JWT key under {@code config}'s issuer. */
  public EnrollmentTokens(JwtSigningKey key, CaConfig config) {
    this.key = key;
    this.config = config;
  }

  /**
   * Checks a token request against the provisioner, without signing (the CLI calls it before
   * unlocking the key). Roles default to all of the provisioner's; a server's DNS names are its
   * name plus {@code extraDns}.
   */
  public static Claims check(Provisioner provisioner, String name, List<String> roles, List<String> extraDns,
      List<String> ips, Duration ttl, Instant now) throws InvalidRequestException {
    Duration lifetime = ttl == null ? DEFAULT_TTL : ttl;
    if (lifetime.compareTo(MIN_TTL) < 0 || lifetime.compareTo(MAX_TTL) > 0) {
      throw new InvalidRequestException("enrollment token lifetime " + Ttl.format(lifetime)
          + " is out of bounds: use between " + Ttl.format(MIN_TTL) + " and " + Ttl.format(MAX_TTL));
    }
    Instant expiresAt = now.truncatedTo(ChronoUnit.SECONDS).plus(lifetime);
    if (provisioner.kind() == Provisioner.Kind.CLIENT) {
      Issuer.checkClientName(name);
      if (!extraDns.isEmpty() || !ips.isEmpty()) {
        throw new InvalidRequestException("--dns and --ip are for server provisioners");
      }
      List<String> granted;
      try {
        granted = roles.isEmpty() ? provisioner.roles() : RoleNames.validate(roles);
      } catch (IdentityFormatException e) {
        throw new InvalidRequestException(e.getMessage());
      }
      EstLimits.checkClient(provisioner, name, granted);
      return new Claims(name, provisioner.name(), provisioner.kind(), granted, List.of(), List.of(), null, expiresAt);
    }
    if (!roles.isEmpty()) {
      throw new InvalidRequestException("a server token carries no --role");
    }
    List<String> dns = new ArrayList<>();
    dns.add(name);
    dns.addAll(extraDns);
    Issuer.checkServerNames(dns, ips);
    EstLimits.checkServer(provisioner, dns, ips);
    return new Claims(name, provisioner.name(), provisioner.kind(), List.of(), List.copyOf(dns),
        List.copyOf(ips), null, expiresAt);
  }

  /** Signs {@code claims} (from {@link #check}) with a fresh {@code jti}. */
  public String mint(Claims claims, Instant now) throws CaException {
    Instant issuedAt = now.truncatedTo(ChronoUnit.SECONDS);
    byte[] jti = new byte[16];
    Crypto.random().nextBytes(jti);
    JWTClaimsSet.Builder set = new JWTClaimsSet.Builder()
        .issuer(config.tokenIssuer())
        .audience(AUDIENCE)
        .subject(claims.name())
        .issueTime(Date.from(issuedAt))
        .notBeforeTime(Date.from(issuedAt))
        .expirationTime(Date.from(claims.expiresAt()))
        .jwtID(Base64URL.encode(jti).toString())
        .claim(PROVISIONER, claims.provisioner())
        .claim(KIND, claims.kind().label());
    if (claims.kind() == Provisioner.Kind.CLIENT) {
      set.claim(ROLES, claims.roles());
    } else {
      set.claim(DNS, claims.dnsNames());
      set.claim(IP, claims.ipAddresses());
    }
    SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(key.algorithm()).keyID(key.keyId())
        .type(new JOSEObjectType(TYPE)).build(), set.build());
    try {
      key.sign(jwt);
    } catch (JOSEException e) {
      throw new CaException("cannot sign the enrollment token: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  /**
   * Verifies signature, {@code typ}, issuer, audience and times (Nimbus, 60 s skew), then the
   * claim shapes.
   *
   * @throws EstRefusal 401 naming what is wrong (never echoing the token)
   */
  public Claims verify(String token, Instant now) throws EstRefusal {
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSTypeVerifier(new DefaultJOSEObjectTypeVerifier<>(new JOSEObjectType(TYPE)));
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(key.algorithm(),
        new ImmutableJWKSet<>(key.publicJwks())));
    DefaultJWTClaimsVerifier<SecurityContext> claimsVerifier = new DefaultJWTClaimsVerifier<>(AUDIENCE,
        new JWTClaimsSet.Builder().issuer(config.tokenIssuer()).build(),
        new HashSet<>(List.of("sub", "jti", "exp", "iat", PROVISIONER, KIND))) {
      @Override
      protected Date currentTime() {
        return Date.from(now);
      }
    };
    processor.setJWTClaimsSetVerifier(claimsVerifier);
    JWTClaimsSet set;
    try {
      set = processor.process(token, null);
    } catch (ParseException e) {
      throw EstRefusal.unauthorized("the enrollment token is not a JWT");
    } catch (BadJOSEException e) {
      String why = e.getMessage() == null ? "invalid" : e.getMessage();
      if (why.contains("xpired")) {
        throw EstRefusal.unauthorized("the enrollment token has expired: ask for a new one");
      }
      throw EstRefusal.unauthorized("the enrollment token is not valid for this CA ("
          + why.replaceAll("[\\r\\n]+", " ") + ")");
    } catch (JOSEException e) {
      throw EstRefusal.unauthorized("the enrollment token cannot be verified");
    }
    try {
      Provisioner.Kind kind = Provisioner.Kind.parse(set.getStringClaim(KIND));
      List<String> roles = kind == Provisioner.Kind.CLIENT ? strings(set, ROLES) : List.of();
      List<String> dns = kind == Provisioner.Kind.SERVER ? strings(set, DNS) : List.of();
      List<String> ips = kind == Provisioner.Kind.SERVER ? strings(set, IP) : List.of();
      return new Claims(set.getSubject(), set.getStringClaim(PROVISIONER), kind, roles, dns, ips,
          set.getJWTID(), set.getExpirationTime().toInstant());
    } catch (ParseException | InvalidRequestException | RuntimeException e) {
      throw EstRefusal.unauthorized("the enrollment token's claims are malformed");
    }
  }

  private static List<String> strings(JWTClaimsSet set, String name) throws ParseException {
    List<String> values = set.getStringListClaim(name);
    if (values == null) {
      throw new ParseException("missing " + name, 0);
    }
    Set<String> seen = new HashSet<>();
    for (String value : values) {
      if (value == null || !seen.add(value)) {
        throw new ParseException("bad " + name, 0);
      }
    }
    return List.copyOf(values);
  }

  /**
   * The claims of a token without verifying it: the enrolling client reads its name and kind to
   * build the CSR. The CA verifies everything.
   */
  public static Claims peek(String token) throws InvalidRequestException {
    try {
      JWTClaimsSet set = SignedJWT.parse(token).getJWTClaimsSet();
      Provisioner.Kind kind = Provisioner.Kind.parse(set.getStringClaim(KIND));
      if (set.getSubject() == null) {
        throw new ParseException("no sub", 0);
      }
      return new Claims(set.getSubject(), set.getStringClaim(PROVISIONER), kind, List.of(), List.of(),
          List.of(), set.getJWTID(), set.getExpirationTime() == null ? null : set.getExpirationTime().toInstant());
    } catch (ParseException | RuntimeException e) {
      throw new InvalidRequestException("--token is not a Gatehouse enrollment token");
    }
  }
}
