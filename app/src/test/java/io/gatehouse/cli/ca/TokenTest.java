package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.ca.token.TokenMinter;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gatehouse token}: JWTs that verify with Nimbus against the served {@code /jwks.json}. */
class TokenTest {
  private static final String AUD = "https://mcp.example/mcp";

  private final Cli cli = Cli.withPassphrase();

  @TempDir Path dir;

  private String mint(Cli runner, String... args) {
    String[] full = new String[args.length + 3];
    full[0] = "token";
    System.arraycopy(args, 0, full, 1, args.length);
    full[args.length + 1] = "--dir";
    full[args.length + 2] = dir.toString();
    Cli.Result result = runner.run(full);
    assertThat(result.exit()).as(result.toString()).isZero();
    return result.out().strip();
  }

  private static DefaultJWTProcessor<SecurityContext> processor(JWKSet keys, JWSAlgorithm algorithm) {
    DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithm, new ImmutableJWKSet<>(keys)));
    processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(AUD,
        new JWTClaimsSet.Builder().issuer("https://gatehouse.local").build(),
        Set.of("sub", "iat", "nbf", "exp", "jti", "roles")));
    return processor;
  }

  private JWKSet servedJwks() throws Exception {
    try (CertificateAuthority ca = CertificateAuthority.open(dir)) {
      char[] passphrase = Cli.PASSPHRASE.toCharArray();
      try (CaService service = CaService.start(ca, ca.unlock(passphrase),
          JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase),
          new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null), Clock.systemUTC())) {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create(service.baseUrl() + "/jwks.json")).build(),
            HttpResponse.BodyHandlers.ofString());
        return JWKSet.parse(response.body());
      }
    }
  }

  @Test
  void es256TokenVerifiesAgainstServedJwksWithRolesAndBinding() throws Exception {
    assertThat(cli.ca(dir, "init").exit()).isZero();
    assertThat(cli.ca(dir, "issue", "client", "--name", "alice", "--role", "viewer").exit()).isZero();
    String token = mint(cli, "--name", "bob", "--role", "viewer", "--role", "ops", "--aud", AUD,
        "--cnf", dir.resolve("clients/alice.crt").toString());
    JWKSet jwks = servedJwks();
    assertThat(JWKSet.load(dir.resolve("ca/jwks.json").toFile()).toString()).isEqualTo(jwks.toString());

    JWTClaimsSet claims = processor(jwks, JWSAlgorithm.ES256).process(token, null);
    assertThat(claims.getSubject()).isEqualTo("spiffe://gatehouse.local/client/bob");
    assertThat(claims.getStringListClaim("roles")).containsExactly("viewer", "ops");
    assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
        .isEqualTo(Duration.ofMinutes(15));
    assertThat(claims.getNotBeforeTime()).isEqualTo(claims.getIssueTime());
    assertThat(claims.getJWTID()).hasSize(22);
    SignedJWT parsed = SignedJWT.parse(token);
    assertThat(parsed.getHeader().getKeyID()).isEqualTo(jwks.getKeys().get(0).computeThumbprint().toString());
    assertThat(parsed.getHeader().getType().getType()).isEqualTo("JWT");

    byte[] der = Certs.read(dir.resolve("clients/alice.crt")).get(0).getEncoded();
    @SuppressWarnings("unchecked")
    Map<String, Object> cnf = (Map<String, Object>) claims.getClaim("cnf");
    assertThat(cnf.get("x5t#S256"))
        .isEqualTo(Base64URL.encode(MessageDigest.getInstance("SHA-256").digest(der)).toString());

    // A different key set (another CA) rejects the token.
    Path otherDir = dir.resolve("other");
    assertThat(cli.ca(otherDir, "init").exit()).isZero();
    assertThat(cli.run("token", "--name", "x", "--role", "r", "--aud", AUD, "--dir", otherDir.toString()).exit()).isZero();
    JWKSet foreign = JWKSet.load(otherDir.resolve("ca/jwks.json").toFile());
    assertThatThrownBy(() -> processor(foreign, JWSAlgorithm.ES256).process(token, null))
        .isInstanceOf(BadJOSEException.class);
  }

  @Test
  void expiredTokenFailsAndTtlIsBoundedByPolicy() throws Exception {
    assertThat(cli.ca(dir, "init").exit()).isZero();
    Cli past = Cli.withPassphrase().clock(Clock.offset(Clock.systemUTC(), Duration.ofHours(-2)));
    String expired = mint(past, "--name", "bob", "--role", "viewer", "--aud", AUD, "--ttl", "15m");
    JWKSet jwks = JWKSet.load(dir.resolve("ca/jwks.json").toFile());
    assertThatThrownBy(() -> processor(jwks, JWSAlgorithm.ES256).process(expired, null))
        .isInstanceOf(BadJOSEException.class).hasMessageContaining("xpired");
    String fresh = mint(cli, "--name", "bob", "--role", "viewer", "--aud", AUD, "--ttl", "1h");
    assertThat(processor(jwks, JWSAlgorithm.ES256).process(fresh, null).getSubject()).endsWith("/bob");

    BadInputTest.assertError(cli.run("token", "--name", "bob", "--role", "viewer", "--aud", AUD, "--ttl", "2h",
        "--dir", dir.toString()), 2, "out of bounds", "1h");
    BadInputTest.assertError(cli.run("token", "--name", "bob", "--role", "Viewer", "--aud", AUD, "--dir", dir.toString()), 2,
        "invalid role name");
    BadInputTest.assertError(cli.run("token", "--name", "bob", "--role", "viewer", "--aud", "not a url",
        "--dir", dir.toString()), 2, "--aud");
    BadInputTest.assertError(Cli.withPassphrase().env(CliEnvironment.CA_PASSPHRASE, "wrong passphrase!!")
        .run("token", "--name", "bob", "--role", "viewer", "--aud", AUD, "--dir", dir.toString()), 1, "wrong CA passphrase");
    // --aud stays optional (CLI contract): the default is the example server's URL, said on stderr.
    Cli.Result defaulted = cli.run("token", "--name", "bob", "--role", "viewer", "--dir", dir.toString());
    assertThat(defaulted.exit()).isZero();
    assertThat(defaulted.err()).contains("no --aud given", TokenMinter.DEFAULT_AUDIENCE);
    assertThat(SignedJWT.parse(defaulted.out().strip()).getJWTClaimsSet().getAudience())
        .containsExactly(TokenMinter.DEFAULT_AUDIENCE);
  }

  @Test
  void rs256AndEdDsaKeys() throws Exception {
    assertThat(cli.ca(dir, "init", "--jwt-alg", "RS256", "--issuer", "https://issuer.example").exit()).isZero();
    String rs = mint(cli, "--name", "bob", "--role", "viewer", "--aud", AUD);
    DefaultJWTProcessor<SecurityContext> rsProcessor = new DefaultJWTProcessor<>();
    rsProcessor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.RS256,
        new ImmutableJWKSet<>(JWKSet.load(dir.resolve("ca/jwks.json").toFile()))));
    assertThat(rsProcessor.process(rs, null).getIssuer()).isEqualTo("https://issuer.example");

    Path ed = dir.resolve("ed");
    assertThat(cli.ca(ed, "init", "--jwt-alg", "EdDSA").exit()).isZero();
    Cli.Result minted = cli.run("token", "--name", "bob", "--role", "viewer", "--aud", AUD, "--dir", ed.toString());
    SignedJWT jwt = SignedJWT.parse(minted.out().strip());
    assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.EdDSA);
    OctetKeyPair okp = (OctetKeyPair) JWKSet.load(ed.resolve("ca/jwks.json").toFile()).getKeys().get(0);
    byte[] spki = HexFormat.of().parseHex("302a300506032b6570032100");
    byte[] encoded = new byte[spki.length + 32];
    System.arraycopy(spki, 0, encoded, 0, spki.length);
    System.arraycopy(okp.getDecodedX(), 0, encoded, spki.length, 32);
    Signature verifier = Signature.getInstance("Ed25519");
    verifier.initVerify(KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(encoded)));
    verifier.update(jwt.getSigningInput());
    assertThat(verifier.verify(jwt.getSignature().decode())).isTrue();
    assertThat(Files.readString(ed.resolve("ca/jwt.key"), StandardCharsets.US_ASCII))
        .startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----");
  }
}
