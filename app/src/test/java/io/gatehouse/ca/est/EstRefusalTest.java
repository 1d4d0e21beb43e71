package io.gatehouse.ca.est;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.cli.ca.Certs;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.ca.provisioner.Provisioner;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every EST refusal over real HTTPS against a real store: the status the issue fixes (401 bad
 * token or certificate, 403 beyond the provisioner, 400 malformed), one line saying why, and an
 * {@code est-refuse} entry in the audit chain.
 */
class EstRefusalTest {
  @TempDir static Path dir;
  @TempDir static Path otherDir;
  static EstFixture fixture;
  static SSLContext anonymous;

  record Reply(int status, String body, String challenge) {}

  @BeforeAll
  static void start() throws Exception {
    fixture = new EstFixture(dir, EstService.Limits.defaults());
    fixture.ok("provisioner", "add", "--name", "agents", "--role", "viewer", "--role", "hr.read",
        "--name-pattern", "agent-*");
    fixture.ok("provisioner", "add", "--name", "web", "--kind", "server", "--dns-pattern", "*.svc.internal",
        "--ip-pattern", "10.0.0.0/8", "--max-ttl", "7d");
    anonymous = fixture.tls(null);
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  // ---- helpers ----

  static Reply post(SSLContext tls, String path, String contentType, byte[] body, String token) throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fixture.est() + path))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    return new Reply(response.statusCode(), new String(response.body(), StandardCharsets.UTF_8),
        response.headers().firstValue("WWW-Authenticate").orElse(null));
  }

  static byte[] b64(PKCS10CertificationRequest csr) throws Exception {
    return Base64.getMimeEncoder().encode(csr.getEncoded());
  }

  static Reply enroll(String token, PKCS10CertificationRequest csr) throws Exception {
    return post(anonymous, "simpleenroll", "application/pkcs10", b64(csr), token);
  }

  record Enrolled(X509Certificate certificate, PrivateKey key) {
    KeyManager[] keyManagers() throws Exception {
      return EstFixture.keyManagers(key, List.of(certificate, fixture.intermediate));
    }
  }

  static Enrolled enrolled(String name) throws Exception {
    KeyPair key = KeyType.EC_P256.generate();
    Reply reply = enroll(fixture.token("--provisioner", "agents", "--name", name), EstFixture.csr(name, key));
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    return new Enrolled(EstFixture.certsOnly(reply.body().getBytes(StandardCharsets.US_ASCII)).get(0), key.getPrivate());
  }

  static Reply reenroll(KeyManager[] keys, String cn) throws Exception {
    return post(fixture.tls(keys), "simplereenroll", "application/pkcs10",
        b64(EstFixture.csr(cn, KeyType.EC_P256.generate())), null);
  }

  /** Another CA (same passphrase, same provisioner name, same client name), made once. */
  static synchronized Path foreignCa() {
    if (!java.nio.file.Files.exists(otherDir.resolve("ca/ca.json"))) {
      assertThat(EstFixture.CLI.ca(otherDir, "init").exit()).isZero();
      assertThat(EstFixture.CLI.ca(otherDir, "provisioner", "add", "--name", "agents", "--role", "viewer").exit()).isZero();
      assertThat(EstFixture.CLI.ca(otherDir, "issue", "client", "--name", "agent-7", "--role", "viewer").exit()).isZero();
    }
    return otherDir;
  }

  static int refusalsAudited() throws Exception {
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("ca/ca.db"));
        ResultSet rs = db.createStatement().executeQuery("SELECT count(*) FROM audit WHERE action = 'est-refuse'")) {
      return rs.next() ? rs.getInt(1) : 0;
    }
  }

  static void refused(Reply reply, int status, String why) throws Exception {
    assertThat(reply.status()).as(reply.body()).isEqualTo(status);
    assertThat(reply.body()).contains(why);
    assertThat(reply.body().strip()).doesNotContain("\n").doesNotContain("Exception");
  }

  // ---- tokens ----

  @Test
  void aSpentTokenIsRefused() throws Exception {
    String token = fixture.cliToken("--provisioner", "agents", "--name", "agent-reuse");
    assertThat(enroll(token, EstFixture.csr("agent-reuse", KeyType.EC_P256.generate())).status()).isEqualTo(200);
    int before = refusalsAudited();
    Reply again = enroll(token, EstFixture.csr("agent-reuse", KeyType.EC_P256.generate()));
    refused(again, 401, "already used");
    assertThat(again.challenge()).startsWith("Bearer");
    assertThat(refusalsAudited()).isEqualTo(before + 1);
  }

  @Test
  void anExpiredTokenIsRefused() throws Exception {
    Cli past = Cli.withPassphrase().clock(Clock.fixed(Instant.now().minus(Duration.ofHours(1)), ZoneOffset.UTC));
    Cli.Result minted = past.ca(dir, "enroll-token", "--provisioner", "agents", "--name", "agent-late", "--ttl", "10m");
    assertThat(minted.exit()).as(minted.toString()).isZero();
    refused(enroll(minted.out().trim(), EstFixture.csr("agent-late", KeyType.EC_P256.generate())), 401, "expired");
  }

  @Test
  void aTokenForAnotherProvisionerIsRefused() throws Exception {
    String token = fixture.token("--provisioner", "agents", "--name", "agent-label");
    Reply atWeb = post(anonymous, "web/simpleenroll", "application/pkcs10",
        b64(EstFixture.csr("agent-label", KeyType.EC_P256.generate())), token);
    refused(atWeb, 401, "for provisioner 'agents', not 'web'");
  }

  @Test
  void aTokenOfARemovedProvisionerIsRefused() throws Exception {
    fixture.ok("provisioner", "add", "--name", "gone", "--role", "viewer");
    String token = fixture.token("--provisioner", "gone", "--name", "agent-gone");
    fixture.ok("provisioner", "remove", "--name", "gone");
    refused(enroll(token, EstFixture.csr("agent-gone", KeyType.EC_P256.generate())), 401, "no longer exists");
  }

  @Test
  void aTokenSignedByAnotherCaIsRefused() throws Exception {
    foreignCa();
    String foreign = EstFixture.CLI.ca(otherDir, "enroll-token", "--provisioner", "agents", "--name", "agent-x").out().trim();
    refused(enroll(foreign, EstFixture.csr("agent-x", KeyType.EC_P256.generate())), 401, "not valid for this CA");
    refused(enroll(null, EstFixture.csr("agent-x", KeyType.EC_P256.generate())), 401, "Bearer");
    refused(enroll("not.a.jwt", EstFixture.csr("agent-x", KeyType.EC_P256.generate())), 401, "enrollment token");
  }

  @Test
  void rolesOutsideTheProvisionerAreRefusedAtMintingAndAtEnrollment() throws Exception {
    Cli.Result mint = EstFixture.CLI.ca(dir, "enroll-token", "--provisioner", "agents", "--name", "agent-1",
        "--role", "admin");
    assertThat(mint.exit()).isEqualTo(2);
    assertThat(mint.err()).contains("role(s) admin outside provisioner 'agents'");

    fixture.ok("provisioner", "add", "--name", "shrinking", "--role", "viewer", "--role", "admin");
    String token = fixture.token("--provisioner", "shrinking", "--name", "agent-s", "--role", "admin");
    fixture.ok("provisioner", "remove", "--name", "shrinking");
    fixture.ok("provisioner", "add", "--name", "shrinking", "--role", "viewer");
    refused(enroll(token, EstFixture.csr("agent-s", KeyType.EC_P256.generate())), 403, "admin outside provisioner");
  }

  @Test
  void aNameOutsideThePatternIsRefusedAtMintingAndAtEnrollment() throws Exception {
    Cli.Result mint = EstFixture.CLI.ca(dir, "enroll-token", "--provisioner", "agents", "--name", "bob");
    assertThat(mint.exit()).isEqualTo(2);
    assertThat(mint.err()).contains("does not match provisioner 'agents' name pattern 'agent-*'");

    // A token the CLI would not mint, signed with the CA's own key: the server re-checks.
    String token = fixture.tokens.mint(new EnrollmentTokens.Claims("bob", "agents", Provisioner.Kind.CLIENT,
        List.of("viewer"), List.of(), List.of(), null, Instant.now().plusSeconds(600)), Instant.now());
    refused(enroll(token, EstFixture.csr("bob", KeyType.EC_P256.generate())), 403, "name pattern");
  }

  @Test
  void aServerEnrollsWithinItsDnsPatternsAndNotOutside() throws Exception {
    String token = fixture.token("--provisioner", "web", "--name", "api.svc.internal", "--ip", "10.1.2.3");
    Reply reply = enroll(token, EstFixture.csr("api.svc.internal", KeyType.EC_P256.generate()));
    assertThat(reply.status()).as(reply.body()).isEqualTo(200);
    X509Certificate server = EstFixture.certsOnly(reply.body().getBytes(StandardCharsets.US_ASCII)).get(0);
    assertThat(server.getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1)).toList())
        .containsExactlyInAnyOrder((Object) "api.svc.internal", "10.1.2.3");
    assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");

    Cli.Result outside = EstFixture.CLI.ca(dir, "enroll-token", "--provisioner", "web", "--name", "api.evil.example");
    assertThat(outside.exit()).isEqualTo(2);
    assertThat(outside.err()).contains("does not match provisioner 'web' DNS patterns");
    Cli.Result deep = EstFixture.CLI.ca(dir, "enroll-token", "--provisioner", "web", "--name", "a.b.svc.internal");
    assertThat(deep.exit()).as("'*' matches one label only").isEqualTo(2);
  }

  // ---- CSRs and media types ----

  @Test
  void garbageForgedAndMistypedCsrsAre400() throws Exception {
    String token = fixture.token("--provisioner", "agents", "--name", "agent-csr");
    refused(post(anonymous, "simpleenroll", "application/pkcs10",
        Base64.getEncoder().encode("garbage, not DER".getBytes(StandardCharsets.US_ASCII)), token), 400, "not a DER PKCS#10");
    refused(post(anonymous, "simpleenroll", "application/pkcs10", "%%% not base64 %%%".getBytes(StandardCharsets.US_ASCII),
        token), 400, "not base64");
    KeyPair carried = KeyType.EC_P256.generate();
    KeyPair signer = KeyType.EC_P256.generate();
    PKCS10CertificationRequest forged = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=agent-csr"),
        carried.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()));
    refused(enroll(token, forged), 400, "invalid self-signature");
    refused(post(anonymous, "simpleenroll", "application/json", b64(EstFixture.csr("agent-csr", carried)), token),
        400, "application/pkcs10");
    // None of the above spent the token.
    assertThat(enroll(token, EstFixture.csr("agent-csr", carried)).status()).isEqualTo(200);
  }

  @Test
  void aCsrForAnotherNameThanTheTokenIs403() throws Exception {
    String token = fixture.token("--provisioner", "agents", "--name", "agent-a");
    refused(enroll(token, EstFixture.csr("agent-b", KeyType.EC_P256.generate())), 403, "CN=agent-b");
  }

  // ---- re-enrollment ----

  @Test
  void reenrollmentWithARevokedCertificateIsRefused() throws Exception {
    Enrolled agent = enrolled("agent-revoked");
    fixture.ok("revoke", "--serial", agent.certificate().getSerialNumber().toString(16));
    refused(reenroll(agent.keyManagers(), "agent-revoked"), 401, "is revoked");
  }

  @Test
  void reenrollmentWithAnExpiredCertificateIsRefused() throws Exception {
    Cli past = Cli.withPassphrase().clock(Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC));
    Cli.Result issued = past.ca(dir, "issue", "client", "--name", "agent-old", "--role", "viewer", "--ttl", "5m");
    assertThat(issued.exit()).as(issued.toString()).isZero();
    List<X509Certificate> chain = Certs.read(dir.resolve("clients/agent-old.crt"));
    PrivateKey key = PemFiles.readKey(dir.resolve("clients/agent-old.key"));
    refused(reenroll(EstFixture.keyManagers(key, chain), "agent-old"), 401, "expired");
  }

  @Test
  void reenrollmentWithAnotherCasCertificateIsRefused() throws Exception {
    Path foreignDir = foreignCa();
    List<X509Certificate> chain = Certs.read(foreignDir.resolve("clients/agent-7.crt"));
    PrivateKey key = PemFiles.readKey(foreignDir.resolve("clients/agent-7.key"));
    refused(reenroll(EstFixture.keyManagers(key, chain), "agent-7"), 401, "not issued by this CA");
  }

  @Test
  void reenrollmentWithoutACertificateOrOutsideAProvisionerIsRefused() throws Exception {
    refused(reenroll(null, "agent-none"), 401, "TLS client certificate");
    fixture.ok("issue", "client", "--name", "agent-manual", "--role", "viewer");
    List<X509Certificate> chain = Certs.read(dir.resolve("clients/agent-manual.crt"));
    PrivateKey key = PemFiles.readKey(dir.resolve("clients/agent-manual.key"));
    refused(reenroll(EstFixture.keyManagers(key, chain), "agent-manual"), 403, "not enrolled through a provisioner");
  }

  @Test
  void reenrollmentAskingAnotherIdentityIsRefused() throws Exception {
    Enrolled agent = enrolled("agent-same");
    refused(reenroll(agent.keyManagers(), "agent-other"), 403, "keeps the identity");
  }

  @Test
  void reenrollmentRechecksTheProvisionersCurrentRoles() throws Exception {
    fixture.ok("provisioner", "add", "--name", "team", "--role", "viewer", "--role", "writer");
    KeyPair key = KeyType.EC_P256.generate();
    Reply first = enroll(fixture.token("--provisioner", "team", "--name", "agent-t", "--role", "writer"),
        EstFixture.csr("agent-t", key));
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    Enrolled agent = new Enrolled(EstFixture.certsOnly(first.body().getBytes(StandardCharsets.US_ASCII)).get(0),
        key.getPrivate());
    assertThat(reenroll(agent.keyManagers(), "agent-t").status()).isEqualTo(200);
    fixture.ok("provisioner", "remove", "--name", "team");
    fixture.ok("provisioner", "add", "--name", "team", "--role", "viewer");
    refused(reenroll(agent.keyManagers(), "agent-t"), 403, "writer outside provisioner 'team'");
  }

  @Test
  void cacertsAndCsrattrsAnswerWithoutCredentials() throws Exception {
    HttpClient client = HttpClient.newBuilder().sslContext(anonymous).build();
    HttpResponse<byte[]> cacerts = client.send(HttpRequest.newBuilder(URI.create(fixture.est() + "cacerts")).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(cacerts.statusCode()).isEqualTo(200);
    assertThat(cacerts.headers().firstValue("Content-Type")).hasValue("application/pkcs7-mime; smime-type=certs-only");
    assertThat(EstFixture.certsOnly(cacerts.body())).containsExactlyInAnyOrder(fixture.root, fixture.intermediate);
    assertThat(client.send(HttpRequest.newBuilder(URI.create(fixture.est() + "csrattrs")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(204);
  }

  @Test
  void thePlainHttpPortServesNoEst() throws Exception {
    HttpResponse<String> plain = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(fixture.service.baseUrl() + "/.well-known/est/cacerts")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(fixture.service.baseUrl()).startsWith("http://");
    assertThat(plain.statusCode()).isEqualTo(404);
  }
}
