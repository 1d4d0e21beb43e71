package io.gatehouse.transport.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Assumptions;

/**
 * panva's {@code oidc-provider} (npm), an OpenID Certified authorization server we did not
 * write, run under Node on loopback HTTPS by {@code src/test/resources/oidc/provider.mjs}.
 * It is installed with npm into {@code target/oidc-node} on first use. Without Node or npm the
 * tests are skipped with a loud message, except under {@code CI=true}, where they fail.
 */
public final class OidcProvider implements AutoCloseable {
  /** Pinned: 9.x runs on Node 20.19+ (it warns that 22 is preferred) and 22. */
  static final String PACKAGES = "oidc-provider@9.13.3 jose@6.2.18";
  private static final Path DIR = Path.of("target", "oidc-node").toAbsolutePath();

  private final Process process;
  private final String issuer;
  private final HttpClient http;

  private OidcProvider(Process process, String issuer, SSLContext trust) {
    this.process = process;
    this.issuer = issuer;
    this.http = HttpClient.newBuilder().sslContext(trust).connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  /**
   * Starts a provider serving {@code certificatePem}/{@code keyPem}; {@code trust} is what the
   * test's own HTTP client trusts (the test CA).
   */
  public static OidcProvider start(Path certificatePem, Path keyPem, SSLContext trust)
      throws IOException, InterruptedException {
    install();
    try (InputStream script = OidcProvider.class.getResourceAsStream("/oidc/provider.mjs")) {
      Files.copy(script, DIR.resolve("provider.mjs"), StandardCopyOption.REPLACE_EXISTING);
    }
    Path log = Files.createTempFile(DIR, "provider", ".log");
    Process process = new ProcessBuilder("node", "provider.mjs", certificatePem.toString(),
        keyPem.toString()).directory(DIR.toFile()).redirectError(log.toFile()).start();
    BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    String first;
    try {
      first = line.get(30, TimeUnit.SECONDS);
      if (first == null) {
        throw new IOException("exited");
      }
      return new OidcProvider(process, (String) JSONObjectUtils.parse(first).get("issuer"), trust);
    } catch (Exception e) {
      process.destroyForcibly();
      throw new IOException("oidc-provider did not start: " + e + "\n" + Files.readString(log), e);
    }
  }

  private static synchronized void install() throws IOException, InterruptedException {
    if (Files.isDirectory(DIR.resolve("node_modules/oidc-provider"))
        && Files.isDirectory(DIR.resolve("node_modules/jose"))) {
      return;
    }
    Files.createDirectories(DIR);
    Files.writeString(DIR.resolve("package.json"), "{\"name\":\"gatehouse-oidc-test\",\"private\":true}");
    String failure;
    try {
      Process npm = new ProcessBuilder(("npm install --no-audit --no-fund " + PACKAGES).split(" "))
          .directory(DIR.toFile()).redirectErrorStream(true).start();
      String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      failure = npm.waitFor(5, TimeUnit.MINUTES) && npm.exitValue() == 0 ? null : output;
    } catch (IOException e) {
      failure = "npm not runnable: " + e.getMessage();
    }
    if (failure != null) {
      String message = "\n\n********** oidc-provider tests NOT RUN: npm/Node unavailable **********\n"
          + failure + "\n**********************************************************************\n";
      System.err.println(message);
      if ("true".equals(System.getenv("CI"))) {
        fail(message);
      }
      Assumptions.abort(message);
    }
  }

  /** The provider's issuer identifier, {@code https://127.0.0.1:<port>}. */
  public String issuer() {
    return issuer;
  }

  /** A client_credentials access token (RFC 8707 {@code resource}) for {@code clientId}. */
  public String token(String clientId, String resource) throws IOException, InterruptedException {
    Map<String, String> form = Map.of("grant_type", "client_credentials", "client_id", clientId,
        "client_secret", clientId + "-secret-that-is-long-enough", "resource", resource,
        "scope", "mcp:tools");
    String body = form.entrySet().stream()
        .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(issuer + "/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("token endpoint: " + response.statusCode() + " " + response.body());
    }
    try {
      return (String) JSONObjectUtils.parse(response.body()).get("access_token");
    } catch (ParseException e) {
      throw new IOException(response.body(), e);
    }
  }

  /** Replaces the provider's signing key; the old key leaves its JWK set. Returns the new kid. */
  public String rotateKey() throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(issuer + "/test/rotate"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Override
  public void close() {
    try {
      process.getOutputStream().close(); // the script exits when its stdin ends
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (IOException e) {
      process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
