package io.gatehouse.cli.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.pki.identity.RolesExtension;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the CA writes, read by the real openssl binary. */
class OpensslInteropTest {
  private static final Cli CLI = Cli.withPassphrase();

  @TempDir static Path dir;

  @BeforeAll
  static void createCa() {
    assertThat(CLI.ca(dir, "init", "--intermediate", "--crl-url", "http://127.0.0.1:8089/crl").exit()).isZero();
    assertThat(CLI.ca(dir, "issue", "client", "--name", "alice", "--role", "manager", "--role", "viewer",
        "--p12").exit()).isZero();
  }

  private static Processes.Output openssl(String... args) throws Exception {
    String[] command = new String[args.length + 1];
    command[0] = "openssl";
    System.arraycopy(args, 0, command, 1, args.length);
    return Processes.run(dir, command);
  }

  @Test
  void verifyAcceptsTheClientCertificate() throws Exception {
    Processes.Output chain = openssl("verify", "-CAfile", "ca/chain.pem", "clients/alice.crt");
    assertThat(chain.exit()).as(chain.text()).isZero();
    assertThat(chain.text()).contains("clients/alice.crt: OK");
    Processes.Output strict = openssl("verify", "-CAfile", "ca/root.crt", "-untrusted",
        "ca/intermediate.crt", "-purpose", "sslclient", "clients/alice.crt");
    assertThat(strict.exit()).as(strict.text()).isZero();
    Processes.Output wrongPurpose = openssl("verify", "-CAfile", "ca/root.crt", "-untrusted",
        "ca/intermediate.crt", "-purpose", "sslserver", "clients/alice.crt");
    assertThat(wrongPurpose.exit()).isNotZero();
  }

  @Test
  void x509TextShowsRolesOidSpiffeIdAndClientAuth() throws Exception {
    Processes.Output text = openssl("x509", "-in", "clients/alice.crt", "-noout", "-text");
    assertThat(text.exit()).isZero();
    assertThat(text.text()).contains(RolesExtension.OID, "manager", "viewer",
        "URI:spiffe://gatehouse.local/client/alice", "TLS Web Client Authentication",
        "Digital Signature", "CA:FALSE", "X509v3 CRL Distribution Points", "http://127.0.0.1:8089/crl");
    assertThat(text.text()).doesNotContain(RolesExtension.OID + ": critical");
  }

  @Test
  void pkcs12OpensWithItsPassword() throws Exception {
    Processes.Output info = openssl("pkcs12", "-info", "-in", "clients/alice.p12",
        "-passin", "pass:p12-secret-pw", "-nodes");
    assertThat(info.exit()).as(info.text()).isZero();
    assertThat(info.text()).contains("BEGIN CERTIFICATE", "BEGIN PRIVATE KEY", "PBES2", "AES-256-CBC");
    Processes.Output wrong = openssl("pkcs12", "-info", "-in", "clients/alice.p12",
        "-passin", "pass:not-the-password", "-nodes");
    assertThat(wrong.exit()).isNotZero();
  }

  @Test
  void caKeyIsPbes2EncryptedPkcs8() throws Exception {
    Processes.Output key = openssl("pkey", "-in", "ca/intermediate.key", "-passin", "pass:" + Cli.PASSPHRASE, "-noout");
    assertThat(key.exit()).as(key.text()).isZero();
    assertThat(openssl("pkey", "-in", "ca/intermediate.key", "-passin", "pass:wrong passphrase", "-noout").exit())
        .isNotZero();
    Processes.Output params = openssl("asn1parse", "-in", "ca/root.key");
    assertThat(params.text()).contains("PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc");
  }

  @Test
  void crlListsRevokedSerialWithReasonAndVerifies() throws Exception {
    assertThat(CLI.ca(dir, "issue", "client", "--name", "mallory", "--role", "viewer").exit()).isZero();
    String serial = Certs.read(dir.resolve("clients/mallory.crt")).get(0).getSerialNumber().toString(16);
    assertThat(CLI.ca(dir, "revoke", "--serial", serial, "--reason", "keyCompromise").exit()).isZero();
    assertThat(CLI.ca(dir, "crl", "--pem", "--out", dir.resolve("crl.pem").toString()).exit()).isZero();

    Processes.Output crl = openssl("crl", "-in", "crl.pem", "-noout", "-text");
    assertThat(crl.exit()).isZero();
    assertThat(crl.text().toUpperCase(Locale.ROOT)).contains(serial.toUpperCase(Locale.ROOT));
    assertThat(crl.text()).contains("Key Compromise", "X509v3 CRL Number", "Next Update");
    Processes.Output signature = openssl("crl", "-in", "crl.pem", "-noout", "-CAfile", "ca/chain.pem");
    assertThat(signature.text()).contains("verify OK");

    Processes.Output revoked = openssl("verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile",
        "ca/chain.pem", "clients/mallory.crt");
    assertThat(revoked.exit()).isNotZero();
    assertThat(revoked.text()).contains("certificate revoked");
    Processes.Output good = openssl("verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile",
        "ca/chain.pem", "clients/alice.crt");
    assertThat(good.exit()).as(good.text()).isZero();

    // DER by default, CRL number strictly increasing.
    assertThat(CLI.ca(dir, "crl").exit()).isZero();
    Processes.Output der = openssl("crl", "-in", "ca/crl.der", "-inform", "DER", "-noout", "-crlnumber");
    Processes.Output first = openssl("crl", "-in", "crl.pem", "-noout", "-crlnumber");
    assertThat(Long.parseLong(der.text().trim().replace("crlNumber=0x", ""), 16))
        .isGreaterThan(Long.parseLong(first.text().trim().replace("crlNumber=0x", ""), 16));
  }

  @Test
  void signsAnOpensslGeneratedCsr() throws Exception {
    Processes.Output req = openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
        "-nodes", "-keyout", "frank.key", "-out", "frank.csr", "-subj", "/CN=frank");
    assertThat(req.exit()).as(req.text()).isZero();
    Cli.Result signed = CLI.ca(dir, "sign", "--csr", dir.resolve("frank.csr").toString(), "--role", "viewer");
    assertThat(signed.exit()).as(signed.toString()).isZero();
    Processes.Output verify = openssl("verify", "-CAfile", "ca/chain.pem", "clients/frank.crt");
    assertThat(verify.exit()).as(verify.text()).isZero();
    Processes.Output match = openssl("x509", "-in", "clients/frank.crt", "-noout", "-pubkey");
    Processes.Output fromKey = openssl("pkey", "-in", "frank.key", "-pubout");
    assertThat(match.text()).isEqualTo(fromKey.text());
  }
}
