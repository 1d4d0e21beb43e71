package io.gatehouse.transport.auth.jwt;

import static io.gatehouse.transport.auth.jwt.JwtAuthenticatorTest.accepted;
import static io.gatehouse.transport.auth.jwt.JwtAuthenticatorTest.rejected;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.impl.ECDSA;
import com.nimbusds.jose.util.Base64URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys made and tokens signed by the openssl CLI, verified through PEM key files: proves the PEM
 * reader and the verifiers against an independent implementation.
 */
class OpensslInteropTest {
  @TempDir Path dir;

  @Test
  void ed25519FromOpenssl() throws Exception {
    openssl("genpkey", "-algorithm", "ed25519", "-out", "k.key");
    openssl("pkey", "-in", "k.key", "-pubout", "-out", "k.pub");
    check("EdDSA", "k.pub", input -> {
      openssl("pkeyutl", "-sign", "-inkey", "k.key", "-rawin", "-in", input, "-out", "sig");
      return Files.readAllBytes(dir.resolve("sig"));
    });
  }

  @Test
  void es256FromOpenssl() throws Exception {
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.key");
    openssl("pkey", "-in", "k.key", "-pubout", "-out", "k.pub");
    check("ES256", "k.pub", input -> {
      openssl("dgst", "-sha256", "-sign", "k.key", "-out", "sig", input);
      return ECDSA.transcodeSignatureToConcat(Files.readAllBytes(dir.resolve("sig")), 64);
    });
  }

  @Test
  void rs256WithASelfSignedCertificateAsTheKeyFile() throws Exception {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.key", "-out", "k.crt",
        "-subj", "/CN=issuer", "-days", "1");
    check("RS256", "k.crt", input -> {
      openssl("dgst", "-sha256", "-sign", "k.key", "-out", "sig", input);
      return Files.readAllBytes(dir.resolve("sig"));
    });
  }

  private interface Signer {
    byte[] sign(String inputFile) throws Exception;
  }

  private void check(String alg, String keyFile, Signer signer) throws Exception {
    String input = Tokens.b64("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}") + "."
        + Tokens.b64(Tokens.good().toString());
    Files.writeString(dir.resolve("input"), input, StandardCharsets.US_ASCII);
    String token = input + "." + Base64URL.encode(signer.sign("input"));
    JwtAuthenticator jwt = JwtAuthenticator.builder().issuer(Tokens.ISSUER)
        .audience(Tokens.AUDIENCE).algorithms(List.of(alg))
        .keys(JwtKeys.fromFile(dir.resolve(keyFile))).build();
    assertThat(accepted(jwt, token).id()).isEqualTo(Tokens.ISSUER + "#bob");
    String[] parts = token.split("\\.");
    String otherClaims = Tokens.b64(Tokens.claims(java.time.Instant.now()).subject("mallory").build().toString());
    rejected(jwt, parts[0] + "." + otherClaims + "." + parts[2], "signature invalid");
  }

  private void openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("openssl %s: %s", args[0], output).isZero();
  }
}
