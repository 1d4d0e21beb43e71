package io.gatehouse.pki.identity;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A SPIFFE ID ({@code spiffe://<trust-domain>/<path>}), validated per the SPIFFE ID specification:
 * lowercase trust domain, no port, userinfo, query or fragment, no empty, {@code .} or {@code ..}
 * path segments.
 */
public record SpiffeId(String trustDomain, String path) {
  /** The default trust domain of a new CA. */
  public static final String DEFAULT_TRUST_DOMAIN = "gatehouse.local";

  private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
  private static final int MAX_LENGTH = 2048;
  private static final int URI_SAN = 6;

  public SpiffeId {
    if (!isValidTrustDomain(trustDomain)) {
      throw new IllegalArgumentException(
          "invalid trust domain '" + RoleNames.printable(trustDomain)
              + "': use lowercase letters, digits, '.', '_' or '-'");
    }
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      throw new IllegalArgumentException("SPIFFE path must start with '/'");
    }
    for (String segment : path.substring(1).split("/", -1)) {
      if (segment.equals(".") || segment.equals("..") || !SEGMENT.matcher(segment).matches()) {
        throw new IllegalArgumentException(
            "invalid SPIFFE path segment '" + RoleNames.printable(segment) + "'");
      }
    }
  }

  /** The ID of a client named {@code name}: {@code spiffe://<trustDomain>/client/<name>}. */
  public static SpiffeId forClient(String trustDomain, String name) {
    return new SpiffeId(trustDomain, "/client/" + name);
  }

  /** True when {@code domain} is usable as a trust domain. */
  public static boolean isValidTrustDomain(String domain) {
    return domain != null && TRUST_DOMAIN.matcher(domain).matches();
  }

  /** Parses {@code spiffe://…}; rejects anything the SPIFFE spec forbids. */
  public static SpiffeId parse(String uri) throws IdentityFormatException {
    if (uri == null || uri.length() > MAX_LENGTH) {
      throw new IdentityFormatException("SPIFFE ID missing or too long");
    }
    URI parsed;
    try {
      parsed = new URI(uri);
    } catch (URISyntaxException e) {
      throw new IdentityFormatException("SPIFFE ID is not a URI: " + RoleNames.printable(uri));
    }
    if (!"spiffe".equals(parsed.getScheme())
        || parsed.getRawAuthority() == null
        || parsed.getRawUserInfo() != null
        || parsed.getPort() != -1
        || parsed.getRawQuery() != null
        || parsed.getRawFragment() != null
        || parsed.getRawPath() == null
        || parsed.getRawPath().isEmpty()) {
      throw new IdentityFormatException("not a SPIFFE ID: " + RoleNames.printable(uri));
    }
    String domain = parsed.getRawAuthority();
    if (!domain.equals(domain.toLowerCase(Locale.ROOT))) {
      throw new IdentityFormatException("SPIFFE trust domain must be lowercase");
    }
    try {
      return new SpiffeId(domain, parsed.getRawPath());
    } catch (IllegalArgumentException e) {
      throw new IdentityFormatException(e.getMessage());
    }
  }

  /**
   * The single SPIFFE URI SAN of {@code certificate}.
   *
   * @throws IdentityFormatException when there is no URI SAN, more than one, or it is not a SPIFFE
   *     ID
   */
  public static SpiffeId fromCertificate(X509Certificate certificate)
      throws IdentityFormatException {
    Collection<List<?>> sans;
    try {
      sans = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new IdentityFormatException("subjectAltName is malformed", e);
    }
    List<String> uris = new ArrayList<>();
    if (sans != null) {
      for (List<?> san : sans) {
        if (san.size() >= 2 && Integer.valueOf(URI_SAN).equals(san.get(0))) {
          uris.add(String.valueOf(san.get(1)));
        }
      }
    }
    if (uris.size() != 1) {
      throw new IdentityFormatException(
          "certificate must carry exactly one URI SAN, found " + uris.size());
    }
    return parse(uris.get(0));
  }

  /** The last path segment, e.g. {@code alice} for {@code spiffe://d/client/alice}. */
  public String name() {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  /** The URI form, {@code spiffe://<trustDomain><path>}. */
  public String toUri() {
    return "spiffe://" + trustDomain + path;
  }

  @Override
  public String toString() {
    return toUri();
  }
}
