package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.apikey.ApiKeyConfig;
import io.gatehouse.transport.auth.cert.CertificateConfig;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.METADATA_URL;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.RESOURCE;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.assertRefused;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.auditContaining;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.call;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.client;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.eventually;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.get;
import static io.gatehouse.transport.auth.pipeline.AuthFixture.toolNames;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.gatehouse.ca.authority.CaConfig;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.ca.token.TokenMinter;
import io.gatehouse.transport.auth.apikey.ApiKeyStore;
import io.gatehouse.transport.auth.apikey.CreatedKey;
import io.gatehouse.transport.config.AuthConfig;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import io.modelcontextprotocol.client.McpSyncClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Bearer JWTs (from {@code gatehouse token}, keys from the CA's public key file {@code ca/jwks.json})
 * and API keys (from {@link ApiKeyStore}) next to client certificates: TLS client auth OPTIONAL,
 * RFC 9728 metadata, the 401 challenge formats, lockout.
 */
class FallbackPipelineTest {
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @TempDir static Path dir;
  static RealCa ca;
  static TestServer server;
  static GatehouseAuth auth;
  static ApiKeyStore keys;
  static Path audit;
  static SSLContext noCertificate;
  static TransportConfig config;
  // Created before the server opens the key file (a running server sees new keys within ~1 s).
  static CreatedKey ciBot;
  static CreatedKey lockedOut;

  @BeforeAll
  static void start() throws Exception {
    ca = RealCa.start(dir.resolve("ca"));
    keys = ApiKeyStore.open(dir.resolve("apikeys.json"));
    ciBot = keys.create("ci-bot", List.of("viewer"));
    lockedOut = keys.create("locked", List.of("viewer"));
    audit = dir.resolve("audit.log");
    AuthConfig authConfig = AuthFixture.allMethods(dir, ca, keys, audit);
    config = AuthFixture.config(ca, authConfig);
    server = TestServer.startSecure(config);
    auth = server.auth;
    noCertificate = ca.clientContext(null);
  }

  @AfterAll
  static void stop() {
    server.close();
    auth.close();
    ca.close();
  }

  @Test
  void aFallbackMakesClientCertificatesOptional() throws Exception {
    assertThat(auth.clientAuthMode()).isEqualTo(TransportConfig.ClientAuthMode.OPTIONAL);
    RealCa.Identity alice = ca.client("alice", "viewer");
    assertThat(get(ca.clientContext(alice), server.port(), "/nothing", Map.of()).status())
        .isEqualTo(404);
  }

  @Test
  void aRevokedCertificateIsToldWhyAndOfferedBearerWhenATokenWouldDo() throws Exception {
    RealCa.Identity gone = ca.client("gone", "viewer");
    ca.revoke(gone);
    RawHttp.Response refused = get(ca.clientContext(gone), server.port(), "/nothing", Map.of());
    assertThat(refused.status()).isEqualTo(401);
    assertThat(JSON.readTree(refused.body()).get("error").asString())
        .isEqualTo("certificate_revoked");
    assertThat(refused.header("WWW-Authenticate"))
        .isEqualTo("Bearer resource_metadata=\"" + METADATA_URL + "\"");
  }

  @Test
  void protectedResourceMetadataIsPublic() throws Exception {
    for (String path : List.of("/.well-known/oauth-protected-resource",
        "/.well-known/oauth-protected-resource/mcp")) {
      RawHttp.Response response = get(noCertificate, server.port(), path, Map.of());
      assertThat(response.status()).as(path).isEqualTo(200);
      assertThat(response.header("Content-Type")).isEqualTo("application/json");
      JsonNode doc = JSON.readTree(response.body());
      assertThat(doc.get("resource").asString()).isEqualTo(RESOURCE);
      // None configured: the field is left out, not filled with the JWT issuer (no such server).
      assertThat(doc.has("authorization_servers")).isFalse();
      assertThat(doc.get("bearer_methods_supported").get(0).asString()).isEqualTo("header");
      assertThat(doc.get("tls_client_certificate_bound_access_tokens").asBoolean()).isTrue();
      assertThat(doc.get("scopes_supported").isArray()).isTrue();
    }
    assertThat(AuthFixture.exchange(noCertificate, server.port(), "POST",
        "/.well-known/oauth-protected-resource", Map.of(), "{}").status()).isEqualTo(405);
  }

  @Test
  void noCredentialsIs401WithResourceMetadata() throws Exception {
    RawHttp.Response response = get(noCertificate, server.port(), "/mcp",
        Map.of("Accept", "text/event-stream"));
    assertThat(response.status()).isEqualTo(401);
    assertThat(response.header("WWW-Authenticate"))
        .isEqualTo("Bearer resource_metadata=\"" + METADATA_URL + "\"");
    assertThat(JSON.readTree(response.body()).get("error").asString()).isEqualTo("unauthorized");
  }

  @Test
  void tokenFromGatehouseTokenCallsExactlyItsTools() {
    String token = ca.token("bob", RESOURCE, "viewer");
    try (McpSyncClient client = client(server.port(), noCertificate,
        Map.of("Authorization", "Bearer " + token))) {
      client.initialize();
      String[] who = call(client, "whoami").split("\\|");
      assertThat(who[0]).isEqualTo(ca.tokenIssuer() + "#spiffe://gatehouse.local/client/bob");
      assertThat(who[3]).isEqualTo("viewer");
      assertThat(toolNames(client)).containsExactly("echo", "whoami");
      assertRefused(() -> call(client, "add"), 403);
    }
  }

  @Test
  void eachBadTokenIs401InvalidToken() throws Exception {
    CaConfig caConfig = ca.authority().config();
    JwtSigningKey signingKey = JwtSigningKey.loadOrCreate(ca.authority().layout(), caConfig,
        RealCa.PASSPHRASE.toCharArray());
    TokenMinter minter = new TokenMinter(signingKey, caConfig);
    Instant now = Instant.now();
    RealCa.Identity carol = ca.client("carol", "viewer");
    ECKey foreign = new ECKeyGenerator(Curve.P_256).keyID(signingKey.keyId()).generate();
    JWTClaimsSet goodClaims = new JWTClaimsSet.Builder().issuer(ca.tokenIssuer()).subject("eve")
        .audience(RESOURCE).expirationTime(Date.from(now.plusSeconds(600)))
        .issueTime(Date.from(now)).claim("roles", List.of("admin")).build();
    SignedJWT foreignSigned = new SignedJWT(
        new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(signingKey.keyId()).build(), goodClaims);
    foreignSigned.sign(new ECDSASigner(foreign));
    SignedJWT unknownKid = new SignedJWT(
        new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("no-such-kid").build(), goodClaims);
    unknownKid.sign(new ECDSASigner(foreign));
    // HS256 "signed" with the server's public key bytes: the classic algorithm confusion.
    byte[] publicKey = JWKSet.parse(Files.readString(JwtSigningKey.jwksFile(ca.authority().layout())))
        .getKeys().get(0).toECKey().toPublicKey().getEncoded();
    JWSObject confused = new JWSObject(new JWSHeader.Builder(JWSAlgorithm.HS256)
        .keyID(signingKey.keyId()).build(), new Payload(goodClaims.toJSONObject()));
    confused.sign(new MACSigner(publicKey));
    String unsigned = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "."
        + b64(goodClaims.toString()) + ".";

    Map<String, String> tokens = new LinkedHashMap<>();
    tokens.put("wrong audience", ca.token("bob", "https://elsewhere.example/mcp", "viewer"));
    tokens.put("expired", minter.mint("bob", List.of("viewer"), Duration.ofMinutes(15), RESOURCE,
        null, now.minus(Duration.ofHours(2))));
    tokens.put("not yet valid", minter.mint("bob", List.of("viewer"), Duration.ofMinutes(15),
        RESOURCE, null, now.plus(Duration.ofMinutes(30))));
    tokens.put("wrong issuer", new TokenMinter(signingKey, new CaConfig(caConfig.version(),
        caConfig.name(), caConfig.trustDomain(), caConfig.keyType(), caConfig.intermediate(),
        caConfig.ocspUrl(), caConfig.crlUrl(), caConfig.clientTtl(), caConfig.clientMaxTtl(),
        caConfig.serverTtl(), caConfig.serverMaxTtl(), "https://evil.example",
        caConfig.jwtAlgorithm(), caConfig.tokenTtl(), caConfig.tokenMaxTtl()))
        .mint("bob", List.of("admin"), Duration.ofMinutes(15), RESOURCE, null, now));
    tokens.put("bound to another certificate", minter.mint("bob", List.of("viewer"),
        Duration.ofMinutes(15), RESOURCE, carol.certificate(), now));
    tokens.put("foreign key, same kid", foreignSigned.serialize());
    tokens.put("unknown kid", unknownKid.serialize());
    tokens.put("HS256 with the public key", confused.serialize());
    tokens.put("alg none", unsigned);
    tokens.put("garbage", "not.a.jwt");
    tokens.put("oversized", "a".repeat(9000));
    for (Map.Entry<String, String> bad : tokens.entrySet()) {
      RawHttp.Response response = get(noCertificate, server.port(), "/nothing",
          Map.of("Authorization", "Bearer " + bad.getValue()));
      assertThat(response.status()).as(bad.getKey()).isEqualTo(401);
      assertThat(response.header("WWW-Authenticate")).as(bad.getKey()).isEqualTo(
          "Bearer error=\"invalid_token\", resource_metadata=\"" + METADATA_URL + "\"");
      assertThat(JSON.readTree(response.body()).get("error").asString()).isEqualTo("invalid_token");
    }
    // The same token with a good signature is accepted (the refusals above are not accidents).
    assertThat(get(noCertificate, server.port(), "/nothing", Map.of("Authorization",
        "Bearer " + minter.mint("bob", List.of("viewer"), Duration.ofMinutes(15), RESOURCE, null,
            now))).status()).isEqualTo(404);
    String log = auditContaining(audit, "\"method\":\"jwt\",\"reason\":");
    for (String token : tokens.values()) {
      if (token.length() > 20) {
        assertThat(log).doesNotContain(token);
      }
    }
  }

  @Test
  void apiKeysGoodBadAndRevoked() throws Exception {
    CreatedKey created = ciBot;
    Map<String, String> good = Map.of("X-API-Key", created.key());
    assertThat(get(noCertificate, server.port(), "/nothing", good).status()).isEqualTo(404);
    try (McpSyncClient client = client(server.port(), noCertificate, good)) {
      client.initialize();
      assertThat(call(client, "whoami")).startsWith(created.record().id() + "|");
      assertThat(toolNames(client)).containsExactly("echo", "whoami");
    }
    String wrongSecret = created.key().substring(0, created.key().length() - 4)
        + (created.key().endsWith("AAAA") ? "BBBB" : "AAAA");
    RawHttp.Response bad = get(noCertificate, server.port(), "/nothing",
        Map.of("X-API-Key", wrongSecret));
    assertThat(bad.status()).isEqualTo(401);
    assertThat(bad.header("WWW-Authenticate"))
        .isEqualTo("Bearer resource_metadata=\"" + METADATA_URL + "\"");

    keys.revoke(created.record().id());
    assertThat(eventually(Duration.ofSeconds(10), () -> {
      try {
        return get(noCertificate, server.port(), "/nothing", good).status() == 401;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    })).isTrue();
    String log = auditContaining(audit, "is revoked");
    assertThat(log).contains("\"api_key_id\":\"" + created.record().id() + "\"")
        .doesNotContain(created.key()).doesNotContain(wrongSecret)
        .doesNotContain(created.key().substring(20));
  }

  @Test
  void repeatedFailuresLockTheSourceOutWith429() throws Exception {
    AuthConfig lockoutConfig = config.auth()
        .withLockout(new AuthConfig.Lockout(3, Duration.ofMinutes(1), Duration.ofMinutes(2), null))
        .withAudit(AuthConfig.Audit.toFile(dir.resolve("lockout-audit.log")));
    TransportConfig strict = config.withAuth(lockoutConfig);
    CreatedKey key = lockedOut;
    try (TestServer strictServer = TestServer.startSecure(strict)) {
      GatehouseAuth strictAuth = strictServer.auth;
      assertThat(get(noCertificate, strictServer.port(), "/nothing",
          Map.of("X-API-Key", key.key())).status()).isEqualTo(404);
      for (int i = 0; i < 3; i++) {
        assertThat(get(noCertificate, strictServer.port(), "/nothing",
            Map.of("Authorization", "Bearer nonsense")).status()).isEqualTo(401);
      }
      // Locked: that (source, attempted identity) waits; the 4th try is not even checked ...
      RawHttp.Response locked = get(noCertificate, strictServer.port(), "/nothing",
          Map.of("Authorization", "Bearer nonsense"));
      assertThat(locked.status()).isEqualTo(429);
      assertThat(Long.parseLong(locked.header("Retry-After"))).isBetween(1L, 120L);
      // ... but another identity from the same address is not locked out (issue 11, finding 4).
      assertThat(get(noCertificate, strictServer.port(), "/nothing",
          Map.of("X-API-Key", key.key())).status()).isEqualTo(404);
      assertThat(auditContaining(dir.resolve("lockout-audit.log"), "identity locked out"))
          .contains("\"decision\":\"deny\"");
    }
  }

  @Test
  void jwtOnlyServerAsksForNoCertificateAndChecksNoRevocation() throws Exception {
    TransportConfig jwtOnly = config.withAuth(config.auth().withMethods(
        CertificateConfig.disabled(), config.auth().jwt(), new ApiKeyConfig(false, null)));
    try (TestServer jwtServer = TestServer.startSecure(jwtOnly)) {
      GatehouseAuth jwtAuth = jwtServer.auth;
      assertThat(jwtAuth.clientAuthMode()).isEqualTo(TransportConfig.ClientAuthMode.NONE);
      assertThat(jwtServer.server.requestStageNames()).doesNotContain("revocation:revocation");
      String token = ca.token("dora", RESOURCE, "manager");
      try (McpSyncClient client = client(jwtServer.port(), noCertificate,
          Map.of("Authorization", "Bearer " + token))) {
        client.initialize();
        assertThat(toolNames(client)).containsExactly("add", "echo", "progress", "whoami");
      }
      // An API key means nothing here: API keys are off.
      CreatedKey key = keys.create("ignored", List.of("admin"));
      assertThat(get(noCertificate, jwtServer.port(), "/nothing", Map.of("X-API-Key", key.key()))
          .status()).isEqualTo(401);
    }
  }

  @Test
  void certificateBoundTokenNeedsItsCertificate() throws Exception {
    // JWT only, with mTLS for proof of possession (RFC 8705): the certificate is not a credential
    // here, the token is, and its cnf must match the connection's certificate.
    TransportConfig bound = config.withTls(config.tls().withClientAuth(
            TransportConfig.ClientAuthMode.OPTIONAL, ca.chainPem()))
        .withAuth(config.auth().withMethods(CertificateConfig.disabled(), config.auth().jwt(),
            new ApiKeyConfig(false, null)));
    RealCa.Identity holder = ca.client("holder", "viewer");
    RealCa.Identity thief = ca.client("thief", "viewer");
    CaConfig caConfig = ca.authority().config();
    String token = new TokenMinter(JwtSigningKey.loadOrCreate(ca.authority().layout(), caConfig,
        RealCa.PASSPHRASE.toCharArray()), caConfig).mint("holder", List.of("viewer"),
        Duration.ofMinutes(15), RESOURCE, holder.certificate(), Instant.now());
    Map<String, String> bearer = Map.of("Authorization", "Bearer " + token);
    try (TestServer boundServer = TestServer.startSecure(bound)) {
      GatehouseAuth boundAuth = boundServer.auth;
      assertThat(boundAuth.clientAuthMode()).isEqualTo(TransportConfig.ClientAuthMode.OPTIONAL);
      assertThat(get(ca.clientContext(holder), boundServer.port(), "/nothing", bearer).status())
          .isEqualTo(404);
      for (SSLContext other : List.of(ca.clientContext(thief), noCertificate)) {
        RawHttp.Response refused = get(other, boundServer.port(), "/nothing", bearer);
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.header("WWW-Authenticate")).startsWith("Bearer error=\"invalid_token\"");
      }
    }
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
