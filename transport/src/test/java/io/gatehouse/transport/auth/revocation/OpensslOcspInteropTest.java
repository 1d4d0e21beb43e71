package io.gatehouse.transport.auth.revocation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.transport.auth.revocation.RevocationDecision.Status;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interoperability with a responder we did not write: {@code openssl ocsp} serving an index file,
 * signing with the CA key or a delegated responder certificate.
 */
class OpensslOcspInteropTest {
  private final TestPki pki = new TestPki("Interop CA");
  private Process openssl;

  @TempDir Path dir;

  @AfterEach
  void stop() throws InterruptedException {
    if (openssl != null) {
      openssl.destroy();
      openssl.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void goodRevokedAndUnknownFromOpensslSignedByTheIssuer() throws Exception {
    X509Certificate good = pki.leaf(null);
    X509Certificate revoked = pki.leaf(null);
    X509Certificate unlisted = pki.leaf(null);
    try (RevocationChecker checker = start(pki.ca, pki.caKeys, good, revoked)) {
      assertThat(checker.check(good, pki.ca).get(10, TimeUnit.SECONDS).status()).isEqualTo(Status.GOOD);
      RevocationDecision r = checker.check(revoked, pki.ca).get(10, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(Status.REVOKED);
      assertThat(r.detail()).contains("keyCompromise");
      RevocationDecision u = checker.check(unlisted, pki.ca).get(10, TimeUnit.SECONDS);
      assertThat(u.status()).isEqualTo(Status.UNAVAILABLE);
      assertThat(u.detail()).contains("unknown");
    }
  }

  @Test
  void delegatedResponderNeedsTheOcspSigningEku() throws Exception {
    X509Certificate leaf = pki.leaf(null);
    KeyPair keys = TestPki.keyPair();
    try (RevocationChecker checker = start(pki.responder(keys, true), keys, leaf, null)) {
      assertThat(checker.check(leaf, pki.ca).get(10, TimeUnit.SECONDS).status()).isEqualTo(Status.GOOD);
    }
    stop();
    try (RevocationChecker checker = start(pki.responder(keys, false), keys, leaf, null)) {
      RevocationDecision d = checker.check(leaf, pki.ca).get(10, TimeUnit.SECONDS);
      assertThat(d.admitted()).isFalse();
      assertThat(d.detail()).contains("not signed by the issuer");
    }
  }

  private RevocationChecker start(X509Certificate signer, KeyPair signerKeys, X509Certificate good, X509Certificate revoked)
      throws Exception {
    assumeTrue(opensslAvailable(), "openssl not installed");
    Path ca = pem(dir.resolve("ca.pem"), "CERTIFICATE", pki.ca.getEncoded());
    Path signerCert = pem(dir.resolve("signer.pem"), "CERTIFICATE", signer.getEncoded());
    Path signerKey = pem(dir.resolve("signer.key"), "PRIVATE KEY", signerKeys.getPrivate().getEncoded());
    StringBuilder index = new StringBuilder(line("V", "", good));
    if (revoked != null) {
      index.append(line("R", "240101000000Z,keyCompromise", revoked));
    }
    Path indexFile = Files.writeString(dir.resolve("index.txt"), index);
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    openssl =
        new ProcessBuilder(
                "openssl", "ocsp", "-index", indexFile.toString(), "-port", Integer.toString(port),
                "-rsigner", signerCert.toString(), "-rkey", signerKey.toString(), "-CA", ca.toString(),
                "-ndays", "1")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile())
            .start();
    awaitListening();
    return RevocationChecker.builder()
        .responderUrl(java.net.URI.create("http://127.0.0.1:" + port + "/"))
        .requestTimeout(Duration.ofSeconds(5))
        .build();
  }

  /** An index.txt row: status, expiry, revocation, serial as openssl prints it, file, subject. */
  private static String line(String status, String revocation, X509Certificate cert) {
    String serial = cert.getSerialNumber().toString(16).toUpperCase(java.util.Locale.ROOT);
    serial = serial.length() % 2 == 1 ? "0" + serial : serial;
    return String.join("\t", status, "391231235959Z", revocation, serial, "unknown", "/CN=client") + "\n";
  }

  private static Path pem(Path file, String type, byte[] der) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
    return Files.writeString(file, "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
  }

  /** Waits for openssl's own "ready" line: a probe connection would stall its one-at-a-time server. */
  private void awaitListening() throws Exception {
    Path log = dir.resolve("openssl.log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.readString(log).contains("waiting for OCSP client connections")) {
      assertThat(openssl.isAlive()).as("openssl ocsp is running: %s", Files.readString(log)).isTrue();
      assertThat(System.nanoTime()).as("openssl ocsp ready within 10 s").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static boolean opensslAvailable() {
    try {
      return new ProcessBuilder(List.of("openssl", "version")).start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

}
