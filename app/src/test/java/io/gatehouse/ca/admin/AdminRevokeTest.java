package io.gatehouse.ca.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.cli.ca.Certs;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.cli.ca.Processes;
import io.gatehouse.ca.db.PostgresServer;
import io.gatehouse.ca.est.EstService;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
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
 * {@code POST /admin/revoke} on {@code ca serve}'s HTTPS listener, asked by real curl and by the
 * JDK's HTTPS client with real client certificates: a {@code ca-admin} certificate revokes, the
 * plain-HTTP OCSP answer (real {@code openssl ocsp}) says revoked at once, the signed audit chain
 * names the administrator and still verifies; every refusal is a JSON error with its status; on
 * SQLite and on a real PostgreSQL server.
 */
class AdminRevokeTest {
  private static final Cli CLI = Cli.withPassphrase();
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final String ADMIN_ID = "spiffe://gatehouse.local/client/root-admin";

  @TempDir static Path dir;
  static Served served;

  /** A CA served in-process with its HTTPS listener. */
  record Served(Path dir, CertificateAuthority ca, IssuerKey key, CaService service) implements AutoCloseable {
    static Served start(Path dir, Map<String, String> env) throws Exception {
      CertificateAuthority ca = CertificateAuthority.open(dir, env);
      char[] passphrase = Cli.PASSPHRASE.toCharArray();
      IssuerKey key = ca.unlock(passphrase);
      CaService service = CaService.start(ca, key,
          JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase),
          new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
              new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"), EstService.Limits.defaults())),
          Clock.systemUTC());
      return new Served(dir, ca, key, service);
    }

    /**
     * Issues a client certificate in-process with the unlocked key, writing {@code clients/<name>.crt}
     * (leaf + intermediates) and {@code .key} as {@code ca issue client} does, without another
     * passphrase derivation per certificate.
     */
    String issue(String name, String... roles) throws Exception {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair pair = generator.generateKeyPair();
      X509Certificate leaf = new Issuer(ca, key, Clock.systemUTC())
          .issueClient(name, null, List.of(roles), Duration.ofHours(1), pair.getPublic());
      List<X509Certificate> chain = new ArrayList<>(List.of(leaf));
      chain.addAll(ca.intermediates());
      Certs.write(dir.resolve("clients/" + name + ".crt"), dir.resolve("clients/" + name + ".key"), chain,
          pair.getPrivate());
      return leaf.getSerialNumber().toString(16);
    }

    String https() {
      return "https://localhost:" + service.httpsPort();
    }

    @Override
    public void close() {
      service.close();
      ca.close();
    }
  }

  @BeforeAll
  static void start() throws Exception {
    assertThat(CLI.ca(dir, "init", "--intermediate").exit()).isZero();
    served = Served.start(dir, Map.of());
    served.issue("root-admin", "ca-admin", "viewer");
    served.issue("viewer-bob", "viewer");
  }

  @AfterAll
  static void stop() {
    if (served != null) {
      served.close();
    }
  }

  static String issue(Cli cli, Path dir, String name, String... roles) throws Exception {
    List<String> args = new ArrayList<>(List.of("issue", "client", "--name", name));
    args.addAll(List.of(roles));
    Cli.Result result = cli.ca(dir, args.toArray(String[]::new));
    assertThat(result.exit()).as(result.toString()).isZero();
    return Certs.read(dir.resolve("clients/" + name + ".crt")).get(0).getSerialNumber().toString(16);
  }

  record Answer(int status, Map<String, String> headers, String body) {
    JsonNode json() {
      return JSON.readTree(body);
    }
  }

  /** Real curl: {@code method} {@code /admin/revoke} with {@code body} as {@code type}, as {@code name}. */
  static Answer curl(Served on, String name, String method, String type, String body) throws Exception {
    Path out = Files.createTempFile(on.dir(), "body", ".txt");
    Path headers = Files.createTempFile(on.dir(), "headers", ".txt");
    List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20",
        "--cacert", on.dir().resolve("ca/chain.pem").toString(), "-o", out.toString(), "-D", headers.toString(),
        "-w", "%{http_code}", "-X", method));
    if (name != null) {
      command.addAll(List.of("--cert", on.dir().resolve("clients/" + name + ".crt").toString(),
          "--key", on.dir().resolve("clients/" + name + ".key").toString()));
    }
    if (type != null) {
      command.addAll(List.of("-H", "Content-Type: " + type));
    }
    if (body != null) {
      command.addAll(List.of("--data-binary", body));
    }
    command.add(on.https() + AdminRevocation.PATH);
    Processes.Output result = Processes.run(on.dir(), Map.of(), command);
    assertThat(result.exit()).as(result.text()).isZero();
    Map<String, String> names = new LinkedHashMap<>();
    for (String line : Files.readAllLines(headers)) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        names.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
      }
    }
    return new Answer(Integer.parseInt(result.text().trim()), names, Files.readString(out));
  }

  static Answer revokeAs(Served on, String name, String serial, String reason) throws Exception {
    return curl(on, name, "POST", "application/json",
        "{\"serial\": \"" + serial + "\", \"reason\": \"" + reason + "\"}");
  }

  static void assertError(Answer answer, int status, String error) {
    assertThat(answer.status()).as(answer.body()).isEqualTo(status);
    assertThat(answer.headers().get("content-type")).isEqualTo("application/json");
    assertThat(answer.headers().get("cache-control")).isEqualTo("no-store");
    assertThat(answer.json().get("error").asString()).isEqualTo(error);
    assertThat(answer.json().get("message").asString()).isNotBlank().doesNotContain("Exception", "\tat ");
  }

  /** Real {@code openssl ocsp} against the plain-HTTP listener. */
  static String ocsp(Served on, String name) throws Exception {
    Processes.Output answer = Processes.run(on.dir(), Map.of(), List.of("openssl", "ocsp",
        "-issuer", "ca/intermediate.crt", "-cert", "clients/" + name + ".crt",
        "-url", on.service().baseUrl() + "/ocsp", "-CAfile", "ca/chain.pem", "-no_nonce"));
    assertThat(answer.exit()).as(answer.text()).isZero();
    return answer.text();
  }

  static List<String> revokeEntries(String jdbcUrl, java.util.Properties login, String serial) throws Exception {
    List<String> details = new ArrayList<>();
    try (Connection sql = DriverManager.getConnection(jdbcUrl, login);
        ResultSet rs = sql.createStatement().executeQuery(
            "SELECT detail FROM audit WHERE action = 'revoke' AND serial = '" + serial + "'")) {
      while (rs.next()) {
        details.add(rs.getString(1));
      }
    }
    return details;
  }

  static List<String> sqliteRevokeEntries(String serial) throws Exception {
    return revokeEntries("jdbc:sqlite:" + dir.resolve("ca/ca.db"), new java.util.Properties(), serial);
  }

  @Test
  void aCaAdminRevokesWithCurlAndOcspSaysRevokedAtOnceAndTheChainNamesTheAdmin() throws Exception {
    String serial = served.issue("target-curl", "viewer");
    assertThat(ocsp(served, "target-curl")).contains("target-curl.crt: good");
    Answer answer = revokeAs(served, "root-admin", serial, "keyCompromise");
    assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    assertThat(answer.headers().get("content-type")).isEqualTo("application/json");
    JsonNode json = answer.json();
    assertThat(json.get("status").asString()).isEqualTo("revoked");
    assertThat(json.get("serial").asString()).isEqualTo(serial);
    assertThat(json.get("reason").asString()).isEqualTo("keyCompromise");
    assertThat(json.get("revokedBy").asString()).startsWith(ADMIN_ID + " (ca-admin certificate ");
    // No wait: the answer is given after the cached OCSP answers were dropped.
    assertThat(ocsp(served, "target-curl")).contains("target-curl.crt: revoked", "Reason: keyCompromise");
    assertThat(sqliteRevokeEntries(serial)).singleElement().asString()
        .startsWith("keyCompromise on behalf of " + ADMIN_ID + " (ca-admin certificate ")
        .endsWith(" from 127.0.0.1");
    Cli.Result verify = CLI.ca(dir, "verify");
    assertThat(verify.exit()).as(verify.toString()).isZero();
  }

  @Test
  void theJdkHttpsClientRevokesAndASecondRevokeIsIdempotent() throws Exception {
    String serial = served.issue("target-jdk", "viewer");
    HttpClient client = HttpClient.newBuilder().sslContext(Certs.clientTls(dir, "root-admin")).build();
    HttpResponse<String> first = client.send(post(serial, "superseded"), HttpResponse.BodyHandlers.ofString());
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    JsonNode revoked = JSON.readTree(first.body());
    assertThat(revoked.get("status").asString()).isEqualTo("revoked");
    // Again, with another reason: nothing changes; the answer says so and gives the original revocation.
    HttpResponse<String> again = client.send(post(serial.toUpperCase(Locale.ROOT), "keyCompromise"),
        HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    JsonNode same = JSON.readTree(again.body());
    assertThat(same.get("status").asString()).isEqualTo("already_revoked");
    assertThat(same.get("reason").asString()).isEqualTo("superseded");
    assertThat(same.get("revokedAt").asString()).isEqualTo(revoked.get("revokedAt").asString());
    assertThat(sqliteRevokeEntries(serial)).hasSize(1);
    assertThat(ocsp(served, "target-jdk")).contains("target-jdk.crt: revoked", "Reason: superseded");
  }

  @Test
  void refusalsAreJsonErrorsAndRevokeNothing() throws Exception {
    String serial = served.issue("target-kept", "viewer");
    Answer none = revokeAs(served, null, serial, "keyCompromise");
    assertError(none, 401, "unauthorized");
    assertThat(none.headers().get("www-authenticate")).isEqualTo("Certificate realm=\"gatehouse-ca-admin\"");
    Answer viewer = revokeAs(served, "viewer-bob", serial, "keyCompromise");
    assertError(viewer, 403, "forbidden");
    assertThat(viewer.json().get("message").asString()).contains("does not hold the role ca-admin");
    assertError(revokeAs(served, "root-admin", "ab12cd34ef", "keyCompromise"), 404, "not_found");
    assertError(curl(served, "root-admin", "POST", "application/json", "not json"), 400, "invalid_request");
    assertError(curl(served, "root-admin", "POST", "application/json", "[\"" + serial + "\"]"), 400,
        "invalid_request");
    assertError(curl(served, "root-admin", "POST", "application/json", "{\"reason\": \"keyCompromise\"}"), 400,
        "invalid_request");
    assertError(curl(served, "root-admin", "POST", "application/json", "{\"serial\": 12}"), 400,
        "invalid_request");
    assertError(revokeAs(served, "root-admin", "xyz!", "keyCompromise"), 400, "invalid_request");
    Answer reason = revokeAs(served, "root-admin", serial, "certificateHold");
    assertError(reason, 400, "invalid_request");
    assertThat(reason.json().get("message").asString()).contains("unknown revocation reason", "keyCompromise");
    assertError(curl(served, "root-admin", "POST", "application/json",
        "{\"serial\": \"" + serial + "\", \"actor\": \"someone-else\"}"), 400, "invalid_request");
    assertError(curl(served, "root-admin", "POST", "application/json",
        "{\"serial\": \"ab12cd34ef\", \"serial\": \"" + serial + "\"}"), 400, "invalid_request");
    assertError(curl(served, "root-admin", "POST", "text/plain", "{\"serial\": \"" + serial + "\"}"), 400,
        "invalid_request");
    Answer get = curl(served, "root-admin", "GET", null, null);
    assertError(get, 405, "method_not_allowed");
    assertThat(get.headers().get("allow")).isEqualTo("POST");
    assertThat(ocsp(served, "target-kept")).contains("target-kept.crt: good");
    assertThat(sqliteRevokeEntries(serial)).isEmpty();
  }

  @Test
  void aRevokedAdminOrAnotherCasCertificateIs401(@TempDir Path other) throws Exception {
    String serial = served.issue("target-other", "viewer");
    String formerAdmin = served.issue("former-admin", "ca-admin");
    assertThat(revokeAs(served, "root-admin", formerAdmin, "affiliationChanged").status()).isEqualTo(200);
    Answer revoked = revokeAs(served, "former-admin", serial, "keyCompromise");
    assertError(revoked, 401, "unauthorized");
    assertThat(revoked.json().get("message").asString()).contains("revoked");
    // A look-alike: same name and role, from another CA.
    assertThat(CLI.ca(other, "init").exit()).isZero();
    issue(CLI, other, "root-admin", "--role", "ca-admin");
    Files.copy(other.resolve("clients/root-admin.crt"), dir.resolve("clients/mallory.crt"));
    Files.copy(other.resolve("clients/root-admin.key"), dir.resolve("clients/mallory.key"));
    Answer foreign = revokeAs(served, "mallory", serial, "keyCompromise");
    assertError(foreign, 401, "unauthorized");
    assertThat(foreign.json().get("message").asString()).contains("not issued by this CA");
    assertThat(ocsp(served, "target-other")).contains("target-other.crt: good");
  }

  @Test
  void thePlainHttpListenerHasNoAdminEndpoint() throws Exception {
    HttpResponse<String> answer = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(served.service().baseUrl() + AdminRevocation.PATH))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"serial\": \"01\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).isEqualTo(404);
  }

  @Test
  void onPostgresqlTooTheAdminRevokesAndTheChainVerifies(@TempDir Path pgDir) throws Exception {
    PostgresServer server = PostgresServer.get();
    Cli cli = Cli.withPassphrase();
    server.env().forEach(cli::env);
    String url = server.migratedDatabase();
    Cli.Result init = cli.ca(pgDir, "init", "--intermediate", "--store", url);
    assertThat(init.exit()).as(init.toString()).isZero();
    String serial;
    try (Served pg = Served.start(pgDir, server.env())) {
      pg.issue("root-admin", "ca-admin");
      serial = pg.issue("pg-target", "viewer");
      assertThat(ocsp(pg, "pg-target")).contains("pg-target.crt: good");
      Answer answer = revokeAs(pg, "root-admin", serial, "cessationOfOperation");
      assertThat(answer.status()).as(answer.body()).isEqualTo(200);
      assertThat(answer.json().get("status").asString()).isEqualTo("revoked");
      assertThat(ocsp(pg, "pg-target")).contains("pg-target.crt: revoked", "Reason: cessationOfOperation");
      assertThat(revokeAs(pg, "root-admin", serial, "keyCompromise").json().get("status").asString())
          .isEqualTo("already_revoked");
      assertError(revokeAs(pg, "root-admin", "ab12cd34ef", "keyCompromise"), 404, "not_found");
    }
    java.util.Properties login = new java.util.Properties();
    login.setProperty("user", PostgresServer.USER);
    login.setProperty("password", PostgresServer.PASSWORD);
    assertThat(revokeEntries("jdbc:postgresql://127.0.0.1:" + server.port() + "/" + PostgresServer.databaseOf(url),
        login, serial)).singleElement().asString().startsWith("cessationOfOperation on behalf of " + ADMIN_ID);
    Cli.Result verify = cli.ca(pgDir, "verify");
    assertThat(verify.exit()).as(verify.toString()).isZero();
  }

  private static HttpRequest post(String serial, String reason) {
    return HttpRequest.newBuilder(URI.create(served.https() + AdminRevocation.PATH))
        .header("Content-Type", "application/json; charset=utf-8")
        .POST(HttpRequest.BodyPublishers.ofString("{\"serial\":\"" + serial + "\",\"reason\":\"" + reason + "\"}"))
        .build();
  }
}
