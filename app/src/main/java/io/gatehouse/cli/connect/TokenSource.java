package io.gatehouse.cli.connect;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Certificate-bound access tokens for {@code --token-from}: {@code POST /token} on the CA
 * service with {@code grant_type=client_credentials}, the client authenticated by its certificate
 * over mutual TLS (RFC 8705 {@code tls_client_auth}) and {@code resource} = the MCP URL (RFC
 * 8707); see docs/authentication.md. A token is reused until two thirds of its lifetime have
 * passed, then fetched again; a new TLS context (a renewed certificate) drops it at once, since
 * the token is bound to the certificate that fetched it ({@code cnf.x5t#S256}). Never logs the
 * token.
 */
final class TokenSource implements Supplier<String> {
  private static final Logger LOG = LoggerFactory.getLogger(TokenSource.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  /** Bound on one token request. */
  static final Duration TIMEOUT = Duration.ofSeconds(15);
  /** Largest token response read (a JWT and three members). */
  static final int MAX_RESPONSE = 16 * 1024;

  /** Why no token could be had; its message is readable and holds no secret. */
  static final class Unavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unavailable(String message) {
      super(message, null, false, false);
    }
  }

  private record Token(String value, Instant refreshAt) {}

  private final URI tokenEndpoint;
  private final String resource;
  private final Clock clock;
  private volatile HttpClient http;
  private Token token;

  /**
   * @param caService the CA service's HTTPS URL (e.g. {@code https://ca.internal:8090})
   * @param resource the MCP URL the token is for
   */
  TokenSource(URI caService, String resource, SSLContext tls, Clock clock) {
    String base = caService.toString().replaceAll("/+$", "");
    this.tokenEndpoint = URI.create(base + "/token");
    this.resource = resource;
    this.clock = clock;
    useTls(tls);
  }

  /** A renewed certificate: later tokens are fetched with it (and bound to it); the current one is dropped. */
  synchronized void useTls(SSLContext tls) {
    http = HttpClient.newBuilder().sslContext(tls).connectTimeout(TIMEOUT)
        .version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER).build();
    token = null;
  }

  /** The current token, fetched when there is none or it is past two thirds of its lifetime. */
  @Override
  public synchronized String get() {
    Token current = token;
    if (current != null && clock.instant().isBefore(current.refreshAt())) {
      return current.value();
    }
    token = fetch();
    return token.value();
  }

  private Token fetch() {
    String form = "grant_type=client_credentials&resource=" + URLEncoder.encode(resource, StandardCharsets.UTF_8);
    HttpResponse<java.io.InputStream> response;
    Instant asked = clock.instant();
    try {
      response = http.send(HttpRequest.newBuilder(tokenEndpoint).timeout(TIMEOUT)
          .header("Content-Type", "application/x-www-form-urlencoded")
          .header("Accept", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new Unavailable("no access token: the CA service at " + tokenEndpoint + " is unreachable ("
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unavailable("no access token: interrupted");
    }
    JsonNode body;
    try (var in = response.body()) {
      body = JSON.readTree(in.readNBytes(MAX_RESPONSE));
    } catch (IOException | JacksonException e) {
      throw new Unavailable("no access token: the CA service at " + tokenEndpoint + " answered HTTP "
          + response.statusCode() + " without JSON");
    }
    if (response.statusCode() != 200) {
      // RFC 6749 §5.2: error and error_description are meant to be shown.
      String error = printable(body.path("error").asString("")) + ": "
          + printable(body.path("error_description").asString(""));
      throw new Unavailable("no access token: the CA service refused (HTTP " + response.statusCode() + " " + error + ")");
    }
    String value = body.path("access_token").asString("");
    long expiresIn = body.path("expires_in").asLong(0);
    if (value.isEmpty() || !"bearer".equalsIgnoreCase(body.path("token_type").asString("")) || expiresIn <= 0) {
      throw new Unavailable("no access token: the CA service's answer has no Bearer access_token with expires_in");
    }
    Instant refreshAt = asked.plus(Duration.ofSeconds(expiresIn).multipliedBy(2).dividedBy(3));
    LOG.info("got an access token from {} for {} (expires in {} s; next fetch at {})", tokenEndpoint, resource,
        expiresIn, refreshAt);
    return new Token(value, refreshAt);
  }

  private static String printable(String text) {
    String clean = text.replaceAll("[^\\x20-\\x7E]", "?");
    return clean.substring(0, Math.min(200, clean.length()));
  }
}
