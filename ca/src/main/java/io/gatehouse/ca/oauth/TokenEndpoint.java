package io.gatehouse.ca.oauth;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.PresentedCertificates;
import io.gatehouse.ca.db.CertificateKind;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.pki.identity.CertificateIdentity;
import io.gatehouse.pki.identity.IdentityFormatException;
import io.gatehouse.ca.token.TokenMinter;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * The decisions of the CA service's authorization server (docs/authentication.md, "The CA service
 * as an authorization server"): RFC 8414 metadata and {@code POST /token} with {@code
 * grant_type=client_credentials}. The client authenticates with its Gatehouse client certificate
 * over mutual TLS (RFC 8705 §2.1 {@code tls_client_auth}), checked like EST re-enrollment; the
 * token's {@code aud} is a registered {@code resource} (RFC 8707), {@code sub} the certificate's
 * SPIFFE ID, {@code roles} the certificate's roles (narrowed by {@code scope}) and {@code
 * cnf.x5t#S256} binds it to the certificate. Called from worker threads (it reads the store and
 * signs).
 */
public final class TokenEndpoint {
  /** RFC 8414 §3: the metadata path, with the issuer's path (if any) appended. */
  public static final String METADATA_PATH = "/.well-known/oauth-authorization-server";
  /** The token endpoint's path. */
  public static final String TOKEN_PATH = "/token";
  /** The JWK set's path (also served on the HTTP listener). */
  public static final String JWKS_PATH = "/jwks.json";
  /** The only request media type of the token endpoint (RFC 6749 §4.4.2). */
  public static final String FORM = "application/x-www-form-urlencoded";
  /** Form parameters read at most; a legitimate request has four or five. */
  private static final int MAX_PARAMETERS = 16;

  private static final Logger LOG = LoggerFactory.getLogger(TokenEndpoint.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final CertificateAuthority ca;
  private final TokenMinter minter;
  private final Set<String> resources;
  private final Clock clock;
  private final byte[] metadata;
  private final java.util.function.Supplier<String> storeNotReady;

  /** A token issued: the JWT, its lifetime in seconds and the roles it carries. */
  public record Issued(String accessToken, long expiresIn, List<String> roles) {
    /** The RFC 6749 §5.1 answer. */
    public byte[] json() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("access_token", accessToken);
      body.put("token_type", "Bearer");
      body.put("expires_in", expiresIn);
      body.put("scope", String.join(" ", roles));
      return JSON.writeValueAsBytes(body);
    }
  }

  /**
   * An endpoint minting with {@code minter} (whose issuer is this server's HTTPS URL) for the
   * registered {@code resources}.
   *
   * @throws InvalidRequestException when a resource is not an absolute URI without a fragment
   */
  public TokenEndpoint(CertificateAuthority ca, TokenMinter minter, List<String> resources, Clock clock)
      throws InvalidRequestException {
    this(ca, minter, resources, clock, () -> null);
  }

  /**
   * As above, refusing every token with 503 {@code temporarily_unavailable} while {@code
   * storeNotReady} gives a reason: it verifies the store right before each decision, as EST does,
   * since the client certificate is checked against the store's rows (docs/ca.md).
   */
  public TokenEndpoint(CertificateAuthority ca, TokenMinter minter, List<String> resources, Clock clock,
      java.util.function.Supplier<String> storeNotReady) throws InvalidRequestException {
    this.storeNotReady = storeNotReady;
    this.ca = ca;
    this.minter = minter;
    this.resources = Set.copyOf(checkResources(resources));
    this.clock = clock;
    this.metadata = metadata(minter.issuer());
  }

  /** Registered resources must be absolute URIs without a fragment (RFC 8707 §2). */
  public static List<String> checkResources(List<String> resources) throws InvalidRequestException {
    for (String resource : resources) {
      if (!isResource(resource)) {
        throw new InvalidRequestException("--resource must be an absolute URL without a fragment, got '"
            + resource + "'");
      }
    }
    return List.copyOf(resources);
  }

  private static boolean isResource(String value) {
    try {
      URI uri = new URI(value);
      return uri.isAbsolute() && uri.getRawFragment() == null && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /** The issuer ({@code iss} of the tokens, {@code issuer} of the metadata). */
  public String issuer() {
    return minter.issuer();
  }

  /** The paths the metadata is served at: the RFC 8414 path, with the issuer's path when it has one. */
  public Set<String> metadataPaths() {
    String path = URI.create(issuer()).getRawPath();
    return path == null || path.isEmpty() || path.equals("/")
        ? Set.of(METADATA_PATH) : Set.of(METADATA_PATH, METADATA_PATH + path);
  }

  /** The RFC 8414 metadata document (JSON). */
  public byte[] metadata() {
    return metadata.clone();
  }

  private static byte[] metadata(String issuer) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("issuer", issuer);
    body.put("token_endpoint", issuer + TOKEN_PATH);
    body.put("jwks_uri", issuer + JWKS_PATH);
    body.put("grant_types_supported", List.of("client_credentials"));
    body.put("token_endpoint_auth_methods_supported", List.of("tls_client_auth"));
    body.put("tls_client_certificate_bound_access_tokens", true);
    // RFC 8414 §2 requires the member; there is no authorization endpoint, so no response type.
    body.put("response_types_supported", List.of());
    return JSON.writeValueAsBytes(body);
  }

  /**
   * {@code POST /token}.
   *
   * @param peer the client's TLS certificate chain (leaf first), or null when none was presented
   * @param contentType the Content-Type header, or null
   * @param body the form
   * @param source the peer address (logs)
   */
  public Issued token(X509Certificate[] peer, String contentType, byte[] body, String source) throws OAuthError {
    try {
      if (storeNotReady.get() != null) {
        throw OAuthError.temporarilyUnavailable();
      }
      Instant now = clock.instant();
      CertificateIdentity identity = authenticate(peer, now);
      Map<String, List<String>> form = form(contentType, body);
      String grantType = single(form, "grant_type");
      if (grantType == null) {
        throw OAuthError.invalidRequest("grant_type is required");
      }
      if (!grantType.equals("client_credentials")) {
        throw OAuthError.unsupportedGrantType("only grant_type=client_credentials is supported");
      }
      String clientId = single(form, "client_id");
      if (clientId != null && !clientId.equals(identity.spiffeId().toUri())) {
        throw OAuthError.invalidClient("client_id does not name the client certificate's identity");
      }
      List<String> resource = form.getOrDefault("resource", List.of());
      if (resource.size() != 1) {
        throw OAuthError.invalidTarget(resource.isEmpty()
            ? "resource is required: the MCP server's resource URL (RFC 8707)"
            : "exactly one resource per token");
      }
      String audience = resource.get(0);
      if (!resources.contains(audience)) {
        throw OAuthError.invalidTarget("resource " + printable(audience) + " is not registered with this CA"
            + " ('ca serve --resource')");
      }
      List<String> roles = roles(identity, single(form, "scope"));
      String token;
      try {
        token = minter.mintForCertificate(identity.spiffeId(), roles, audience, peer[0], now);
      } catch (InvalidRequestException e) {
        throw OAuthError.invalidGrant(e.getMessage());
      }
      long expiresIn = com.nimbusds.jwt.SignedJWT.parse(token).getJWTClaimsSet().getExpirationTime().toInstant()
          .getEpochSecond() - now.getEpochSecond();
      LOG.info("token for {} (certificate {}, roles {}) to {} from {}", identity.spiffeId().toUri(),
          identity.serialHex(), roles, audience, source);
      return new Issued(token, expiresIn, roles);
    } catch (OAuthError error) {
      LOG.warn("token request from {} refused ({}): {}", source, error.code(), error.getMessage());
      throw error;
    } catch (CaException | java.text.ParseException e) {
      LOG.warn("token request from {} failed: {}", source, e.getMessage());
      throw OAuthError.serverError();
    }
  }

  private CertificateIdentity authenticate(X509Certificate[] peer, Instant now) throws OAuthError, CaException {
    if (peer == null || peer.length == 0) {
      throw OAuthError.invalidClient("the token endpoint authenticates clients by their Gatehouse client"
          + " certificate over mutual TLS (tls_client_auth); none was presented");
    }
    CertificateRecord record;
    try {
      record = PresentedCertificates.check(ca, peer[0], now);
    } catch (PresentedCertificates.Refused refused) {
      throw OAuthError.invalidClient(refused.getMessage());
    }
    if (record.kind() != CertificateKind.CLIENT) {
      throw OAuthError.invalidClient("certificate " + peer[0].getSerialNumber().toString(16)
          + " is a " + record.kind().label() + " certificate, not a client certificate");
    }
    try {
      return CertificateIdentity.from(peer[0]);
    } catch (IdentityFormatException e) {
      throw OAuthError.invalidClient("the client certificate has no valid Gatehouse identity");
    }
  }

  /** The certificate's roles, or the subset {@code scope} names (space-separated role names). */
  private static List<String> roles(CertificateIdentity identity, String scope) throws OAuthError {
    List<String> held = identity.roles();
    if (scope == null) {
      if (held.isEmpty()) {
        throw OAuthError.invalidGrant("the client certificate carries no roles");
      }
      return held;
    }
    Set<String> asked = new LinkedHashSet<>();
    for (String token : scope.split(" ")) {
      if (!token.isEmpty()) {
        asked.add(token);
      }
    }
    if (asked.isEmpty()) {
      throw OAuthError.invalidScope("scope is empty: name one or more of the certificate's roles, or omit it");
    }
    List<String> granted = new ArrayList<>();
    for (String role : asked) {
      if (!held.contains(role)) {
        throw OAuthError.invalidScope("the client certificate does not hold role " + printable(role));
      }
      granted.add(role);
    }
    return granted;
  }

  private static Map<String, List<String>> form(String contentType, byte[] body) throws OAuthError {
    String type = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
    if (!FORM.equals(type)) {
      throw OAuthError.invalidRequest("the request body must be " + FORM);
    }
    try {
      return new QueryStringDecoder(new String(body, StandardCharsets.UTF_8), StandardCharsets.UTF_8, false,
          MAX_PARAMETERS).parameters();
    } catch (IllegalArgumentException e) {
      throw OAuthError.invalidRequest("the form is not valid application/x-www-form-urlencoded");
    }
  }

  /** A parameter that may appear at most once (RFC 6749 §3.2); null when absent. */
  private static String single(Map<String, List<String>> form, String name) throws OAuthError {
    List<String> values = form.get(name);
    if (values == null || values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw OAuthError.invalidRequest(name + " must not be repeated");
    }
    return values.get(0);
  }

  /** Client-supplied text in a description: printable ASCII, bounded. */
  private static String printable(String value) {
    String clean = value.replaceAll("[^\\x20-\\x7e]|[\"\\\\]", "?");
    return "'" + (clean.length() > 200 ? clean.substring(0, 200) + "..." : clean) + "'";
  }
}
