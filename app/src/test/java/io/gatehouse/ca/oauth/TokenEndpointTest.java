package io.gatehouse.ca.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.cli.ca.Certs;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.cli.ca.Processes;
import io.gatehouse.ca.est.EstService;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.ca.token.TokenMinter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The CA service as an authorization server, spoken to by real curl over real HTTPS: RFC 8414
 * metadata, {@code POST /token} with the client certificate over mutual TLS, and every RFC 6749
 * error the endpoint can answer.
 */
class TokenEndpointTest {
  private static final Cli CLI = Cli.withPassphrase();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String RESOURCE = "https://mcp.example:8443/mcp";

  @TempDir static Path dir;
  static CertificateAuthority ca;
  static CaService service;
  static String issuer;

  @BeforeAll
  static void start() throws Exception {
    assertThat(CLI.ca(dir, "init", "--intermediate").exit()).isZero();
    ca = CertificateAuthority.open(dir);
    char[] passphrase = Cli.PASSPHRASE.toCharArray();
    JwtSigningKey jwt = JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase);
    service = CaService.start(ca, ca.unlock(passphrase), jwt,
        new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
            new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"), EstService.Limits.defaults(),
                List.of(RESOURCE))),
        Clock.systemUTC());
    issuer = "https://localhost:" + service.httpsPort();
    client("alice", "--role", "viewer", "--role", "hr.read");
  }

  @AfterAll
  static void stop() {
    if (service != null) {
      service.close();
    }
    if (ca != null) {
      ca.close();
    }
  }

  static void client(String name, String... more) {
    List<String> args = new ArrayList<>(List.of("issue", "client", "--name", name));
    args.addAll(List.of(more));
    Cli.Result result = CLI.ca(dir, args.toArray(String[]::new));
    assertThat(result.exit()).as(result.toString()).isZero();
  }

  /** What curl got: status, lower-cased headers, body. */
  record Answer(int status, Map<String, String> headers, String body) {
    JsonNode json() {
      return JSON.readTree(body);
    }
  }

  /** Real curl against the HTTPS listener, presenting {@code name}'s certificate (null: none). */
  static Answer curl(String name, String method, String path, String... form) throws Exception {
    Path body = Files.createTempFile(dir, "body", ".txt");
    Path headers = Files.createTempFile(dir, "headers", ".txt");
    List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20",
        "--cacert", dir.resolve("ca/chain.pem").toString(), "-o", body.toString(), "-D", headers.toString(),
        "-w", "%{http_code}", "-X", method));
    if (name != null) {
      command.addAll(List.of("--cert", dir.resolve("clients/" + name + ".crt").toString(),
          "--key", dir.resolve("clients/" + name + ".key").toString()));
    }
    for (String field : form) {
      command.addAll(List.of("--data-urlencode", field));
    }
    command.add(issuer + path);
    Processes.Output out = Processes.run(dir, Map.of(), command);
    assertThat(out.exit()).as(out.text()).isZero();
    Map<String, String> names = new LinkedHashMap<>();
    for (String line : Files.readAllLines(headers)) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        names.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    return new Answer(Integer.parseInt(out.text().trim()), names, Files.readString(body));
  }

  static void assertError(Answer answer, int status, String error) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    assertThat(answer.headers().get("content-type")).isEqualTo("application/json");
    assertThat(answer.headers().get("cache-control")).isEqualTo("no-store");
    JsonNode json = answer.json();
    assertThat(json.get("error").asString()).isEqualTo(error);
    assertThat(json.get("error_description").asString()).isNotBlank().doesNotContain("Exception", "\tat ");
  }

  @Test
  void metadataIsExactlyTheRfc8414Document() throws Exception {
    Answer answer = curl(null, "GET", "/.well-known/oauth-authorization-server");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers().get("content-type")).isEqualTo("application/json");
    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("issuer", issuer);
    expected.put("token_endpoint", issuer + "/token");
    expected.put("jwks_uri", issuer + "/jwks.json");
    expected.put("grant_types_supported", List.of("client_credentials"));
    expected.put("token_endpoint_auth_methods_supported", List.of("tls_client_auth"));
    expected.put("tls_client_certificate_bound_access_tokens", true);
    expected.put("response_types_supported", List.of());
    assertThat(JSON.readValue(answer.body(), Map.class)).isEqualTo(expected);
    assertThat(service.tokenIssuer()).isEqualTo(issuer);
    Answer jwks = curl(null, "GET", "/jwks.json");
    assertThat(jwks.status()).isEqualTo(200);
    assertThat(JWKSet.parse(jwks.body()).getKeys()).hasSize(1);
    // EST still answers on the same listener.
    assertThat(curl(null, "GET", "/.well-known/est/cacerts").status()).isEqualTo(200);
  }

  @Test
  void curlWithTheClientCertificateGetsABoundTokenForTheResource() throws Exception {
    Answer answer = curl("alice", "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.headers().get("cache-control")).isEqualTo("no-store");
    assertThat(answer.headers().get("pragma")).isEqualTo("no-cache");
    JsonNode json = answer.json();
    assertThat(json.get("token_type").asString()).isEqualTo("Bearer");
    assertThat(json.get("scope").asString()).isEqualTo("viewer hr.read");
    SignedJWT jwt = SignedJWT.parse(json.get("access_token").asString());
    ECKey key = (ECKey) JWKSet.parse(curl(null, "GET", "/jwks.json").body()).getKeys().get(0);
    assertThat(jwt.verify(new ECDSAVerifier(key))).isTrue();
    JWTClaimsSet claims = jwt.getJWTClaimsSet();
    X509Certificate alice = Certs.read(dir.resolve("clients/alice.crt")).get(0);
    assertThat(claims.getIssuer()).isEqualTo(issuer);
    assertThat(claims.getAudience()).containsExactly(RESOURCE);
    assertThat(claims.getSubject()).isEqualTo("spiffe://gatehouse.local/client/alice");
    assertThat(claims.getStringListClaim("roles")).containsExactly("viewer", "hr.read");
    assertThat(claims.getJSONObjectClaim("cnf")).isEqualTo(Map.of("x5t#S256", TokenMinter.thumbprint(alice)));
    Duration lifetime = Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant());
    assertThat(lifetime).isEqualTo(Duration.ofMinutes(15)); // ca.json's default token lifetime
    assertThat(json.get("expires_in").asLong()).isBetween(14 * 60L, 15 * 60L);
  }

  @Test
  void scopeNarrowsTheRolesAndARoleNotHeldIsInvalidScope() throws Exception {
    Answer narrowed = curl("alice", "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE,
        "scope=hr.read");
    assertThat(narrowed.status()).as(narrowed.body()).isEqualTo(200);
    assertThat(SignedJWT.parse(narrowed.json().get("access_token").asString()).getJWTClaimsSet()
        .getStringListClaim("roles")).containsExactly("hr.read");
    assertError(curl("alice", "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE,
        "scope=viewer admin"), 400, "invalid_scope");
    assertError(curl("alice", "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE,
        "scope= "), 400, "invalid_scope");
  }

  @Test
  void theTokenNeverOutlivesTheCertificate() throws Exception {
    client("brief", "--role", "viewer", "--ttl", "5m");
    Answer answer = curl("brief", "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE);
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    Instant exp = SignedJWT.parse(answer.json().get("access_token").asString()).getJWTClaimsSet()
        .getExpirationTime().toInstant();
    Instant notAfter = Certs.read(dir.resolve("clients/brief.crt")).get(0).getNotAfter().toInstant();
    assertThat(exp).isBeforeOrEqualTo(notAfter).isAfter(notAfter.minusSeconds(2));
  }

  @Test
  void noCertificateIsInvalidClient401() throws Exception {
    assertError(curl(null, "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE),
        401, "invalid_client");
  }

  @Test
  void aRevokedCertificateIsInvalidClient() throws Exception {
    client("gone", "--role", "viewer");
    assertThat(curl("gone", "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE).status())
        .isEqualTo(200);
    String serial = Certs.read(dir.resolve("clients/gone.crt")).get(0).getSerialNumber().toString(16);
    assertThat(CLI.ca(dir, "revoke", "--serial", serial, "--reason", "keyCompromise").exit()).isZero();
    Answer answer = curl("gone", "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE);
    assertError(answer, 401, "invalid_client");
    assertThat(answer.json().get("error_description").asString()).contains("revoked");
  }

  @Test
  void anotherCasCertificateIsInvalidClient(@TempDir Path other) throws Exception {
    assertThat(CLI.ca(other, "init").exit()).isZero();
    assertThat(CLI.ca(other, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    Files.createDirectories(dir.resolve("clients"));
    Files.copy(other.resolve("clients/alice.crt"), dir.resolve("clients/mallory.crt"));
    Files.copy(other.resolve("clients/alice.key"), dir.resolve("clients/mallory.key"));
    Answer answer = curl("mallory", "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE);
    assertError(answer, 401, "invalid_client");
    assertThat(answer.json().get("error_description").asString()).contains("not issued by this CA");
  }

  @Test
  void anUnknownOrMissingResourceIsInvalidTarget() throws Exception {
    assertError(curl("alice", "POST", "/token", "grant_type=client_credentials",
        "resource=https://elsewhere.example/mcp"), 400, "invalid_target");
    assertError(curl("alice", "POST", "/token", "grant_type=client_credentials"), 400, "invalid_target");
    assertError(curl("alice", "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE,
        "resource=" + RESOURCE), 400, "invalid_target");
  }

  @Test
  void otherGrantsAndMalformedRequestsAreRfc6749Errors() throws Exception {
    assertError(curl("alice", "POST", "/token", "grant_type=password", "resource=" + RESOURCE),
        400, "unsupported_grant_type");
    assertError(curl("alice", "POST", "/token", "resource=" + RESOURCE), 400, "invalid_request");
    assertError(curl("alice", "POST", "/token", "grant_type=client_credentials", "grant_type=client_credentials",
        "resource=" + RESOURCE), 400, "invalid_request");
    assertError(curl("alice", "POST", "/token", "grant_type=client_credentials", "resource=" + RESOURCE,
        "client_id=spiffe://gatehouse.local/client/bob"), 401, "invalid_client");
    Answer get = curl("alice", "GET", "/token");
    assertError(get, 405, "invalid_request");
    assertThat(get.headers().get("allow")).isEqualTo("POST");
  }

  @Test
  void theCliAndTheEndpointShareIssuerAndClaimsWhenCaJsonNamesTheHttpsUrl(@TempDir Path other) throws Exception {
    String publicUrl = "https://ca.example:9443";
    assertThat(CLI.ca(other, "init", "--issuer", publicUrl).exit()).isZero();
    assertThat(CLI.ca(other, "issue", "client", "--name", "carol", "--role", "viewer").exit()).isZero();
    try (CertificateAuthority otherCa = CertificateAuthority.open(other)) {
      char[] passphrase = Cli.PASSPHRASE.toCharArray();
      try (CaService otherService = CaService.start(otherCa, otherCa.unlock(passphrase),
          JwtSigningKey.loadOrCreate(otherCa.layout(), otherCa.config(), passphrase),
          new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
              new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"), EstService.Limits.defaults(),
                  List.of(RESOURCE))),
          Clock.systemUTC())) {
        assertThat(otherService.tokenIssuer()).isEqualTo(publicUrl);
      }
    }
    Cli.Result cli = CLI.run("token", "--name", "carol", "--role", "viewer", "--aud", RESOURCE,
        "--cnf", other.resolve("clients/carol.crt").toString(), "--dir", other.toString());
    assertThat(cli.exit()).as(cli.toString()).isZero();
    JWTClaimsSet fromCli = SignedJWT.parse(cli.out().trim()).getJWTClaimsSet();
    assertThat(fromCli.getIssuer()).isEqualTo(publicUrl);
    JWTClaimsSet fromEndpoint = SignedJWT.parse(curl("alice", "POST", "/token", "grant_type=client_credentials",
        "resource=" + RESOURCE).json().get("access_token").asString()).getJWTClaimsSet();
    assertThat(fromCli.getClaims().keySet()).isEqualTo(fromEndpoint.getClaims().keySet());
  }
}
