package io.gatehouse.transport.auth.idp;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.gatehouse.transport.fetch.BoundedFetcher;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * Finds an issuer's {@code jwks_uri}: RFC 8414 metadata ({@code
 * /.well-known/oauth-authorization-server} inserted before the issuer's path), else OpenID
 * Connect Discovery ({@code <issuer>/.well-known/openid-configuration}). HTTPS only, no redirects,
 * bounded time and size; the document's {@code issuer} must equal the configured one exactly
 * (RFC 8414 §3.3), and {@code jwks_uri} must be HTTPS too.
 */
public final class IssuerDiscovery {
  /** Largest metadata document read. */
  static final int MAX_BYTES = 64 * 1024;

  private final BoundedFetcher fetcher;

  /** Discovery with the given TLS trust (null: the JDK trust store) and time bounds. */
  public IssuerDiscovery(SSLContext tls, Duration connectTimeout, Duration deadline) {
    this.fetcher = BoundedFetcher.builder("metadata", MAX_BYTES, connectTimeout, deadline)
        .sslContext(tls).build();
  }

  /** The two metadata URLs of {@code issuer}, RFC 8414 first. */
  static List<URI> metadataUrls(URI issuer) {
    String path = issuer.getRawPath() == null ? "" : issuer.getRawPath();
    String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    String origin = "https://" + issuer.getRawAuthority();
    return List.of(URI.create(origin + "/.well-known/oauth-authorization-server" + trimmed),
        URI.create(origin + trimmed + "/.well-known/openid-configuration"));
  }

  /**
   * The issuer's JWK set URL.
   *
   * @throws IOException naming each URL tried and why it did not answer with valid metadata
   */
  public URI jwksUri(String issuer) throws IOException {
    URI parsed = URI.create(issuer);
    if (!"https".equals(parsed.getScheme())) {
      throw new IOException("issuer " + issuer + " is not an https URL");
    }
    List<String> failures = new ArrayList<>();
    for (URI url : metadataUrls(parsed)) {
      try {
        return fromDocument(issuer, fetch(url));
      } catch (IOException e) {
        failures.add(url + ": " + e.getMessage());
      }
    }
    throw new IOException("discovery of " + issuer + " failed: " + String.join("; ", failures));
  }

  private Map<String, Object> fetch(URI url) throws IOException {
    BoundedFetcher.Response response =
        fetcher.sendBlocking(fetcher.request(url).header("Accept", "application/json").GET().build());
    if (response.status() != 200) {
      throw new IOException("HTTP " + response.status());
    }
    try {
      return JSONObjectUtils.parse(new String(response.body(), StandardCharsets.UTF_8));
    } catch (ParseException e) {
      throw new IOException("metadata is not a JSON object");
    }
  }

  private static URI fromDocument(String issuer, Map<String, Object> doc) throws IOException {
    if (!issuer.equals(doc.get("issuer"))) {
      throw new IOException("metadata names issuer '" + printable(doc.get("issuer"))
          + "', not the configured one (RFC 8414 §3.3)");
    }
    if (!(doc.get("jwks_uri") instanceof String jwks)) {
      throw new IOException("metadata has no jwks_uri");
    }
    URI uri;
    try {
      uri = URI.create(jwks);
    } catch (IllegalArgumentException e) {
      throw new IOException("jwks_uri is not a URL");
    }
    if (!"https".equals(uri.getScheme()) || uri.getHost() == null) {
      throw new IOException("jwks_uri " + printable(jwks) + " is not an https URL");
    }
    return uri;
  }

  private static String printable(Object value) {
    String text = String.valueOf(value);
    text = text.length() > 200 ? text.substring(0, 200) + "…" : text;
    return text.replaceAll("\\p{Cntrl}", "?");
  }
}
