package io.gatehouse.transport.auth.jwt;

import com.nimbusds.jose.util.Resource;
import com.nimbusds.jose.util.ResourceRetriever;
import io.gatehouse.transport.fetch.BoundedFetcher;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * Nimbus's view of the {@link BoundedFetcher}: fetches a JWK set with no redirects, a connect
 * timeout, a deadline on the whole exchange and a cap on the body. Only {@code https} URLs, unless
 * plain http was explicitly allowed ({@code insecurePlainHttpJwks}): a second line behind {@link
 * JwtKeys}'s check.
 */
final class JdkHttpRetriever implements ResourceRetriever {
  /** Largest JWK set read (a set may hold many keys during rotation). */
  static final int MAX_BYTES = 256 * 1024;

  private final BoundedFetcher fetcher;

  JdkHttpRetriever(Duration connectTimeout, Duration deadline, SSLContext sslContext,
      boolean allowPlainHttp) {
    this.fetcher =
        BoundedFetcher.builder("JWKS document", MAX_BYTES, connectTimeout, deadline)
            .schemes(allowPlainHttp ? BoundedFetcher.Schemes.HTTP_OR_HTTPS : BoundedFetcher.Schemes.HTTPS_ONLY)
            .sslContext(sslContext)
            .build();
  }

  @Override
  public Resource retrieveResource(URL url) throws IOException {
    BoundedFetcher.Response response;
    try {
      response = fetcher.sendBlocking(
          fetcher.request(url.toURI()).header("Accept", "application/jwk-set+json, application/json").GET().build());
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new IOException("invalid JWKS URL");
    }
    if (response.status() != 200) {
      throw new IOException("JWKS endpoint answered HTTP " + response.status());
    }
    return new Resource(new String(response.body(), StandardCharsets.UTF_8), response.contentType());
  }
}
