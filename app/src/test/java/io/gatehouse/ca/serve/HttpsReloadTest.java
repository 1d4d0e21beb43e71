package io.gatehouse.ca.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.testing.TestCerts;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.ca.est.EstService;
import io.gatehouse.ca.token.JwtSigningKey;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ca serve --tls-cert/--tls-key} (issue 14): the operator's certificate and key are re-read
 * when they change on disk; new handshakes (real TLS, JDK client) get the new certificate without
 * a restart; a mismatched pair or garbage is refused once per change and the old one stays.
 */
class HttpsReloadTest {
  private static final Cli CLI = Cli.withPassphrase();

  @TempDir Path dir;

  @Test
  void theOperatorsCertificateIsReloadedAndABadPairIsRefusedOnce() throws Exception {
    assertThat(CLI.ca(dir, "init").exit()).isZero();
    assertThat(CLI.ca(dir, "issue", "server", "--dns", "localhost", "--ip", "127.0.0.1").exit()).isZero();
    assertThat(CLI.ca(dir, "issue", "server", "--dns", "ca.internal", "--ip", "127.0.0.1").exit()).isZero();
    Path tls = Files.createDirectories(dir.resolve("tls"));
    Path cert = tls.resolve("tls.crt");
    Path key = tls.resolve("tls.key");
    replace(dir.resolve("servers/localhost.crt"), cert);
    replace(dir.resolve("servers/localhost.key"), key);
    BigInteger first = TestCerts.read(cert).get(0).getSerialNumber();
    BigInteger second = TestCerts.read(dir.resolve("servers/ca.internal.crt")).get(0).getSerialNumber();
    try (CertificateAuthority ca = CertificateAuthority.open(dir)) {
      char[] passphrase = Cli.PASSPHRASE.toCharArray();
      try (CaService service = CaService.start(ca, ca.unlock(passphrase),
          JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase),
          new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), cert, key,
              new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"), EstService.Limits.defaults())),
          Clock.systemUTC())) {
        SSLContext client = trusting(TestCerts.read(dir.resolve("ca/root.crt")).get(0));
        assertThat(served(client, service.httpsPort())).isEqualTo(first);
        try (SSLSocket open = handshake(client, service.httpsPort())) {
          // A certificate whose key is not the one on disk: refused, once, however many polls pass.
          replace(dir.resolve("servers/ca.internal.crt"), cert);
          awaitRefusedReloads(service, 1);
          Thread.sleep(10 * CaService.WATCH_MILLIS);
          assertThat(service.httpsIdentity().refusedReloads()).isEqualTo(1);
          assertThat(served(client, service.httpsPort())).isEqualTo(first);
          // Its key follows: the pair is whole, new handshakes get it.
          replace(dir.resolve("servers/ca.internal.key"), key);
          long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
          BigInteger now = served(client, service.httpsPort());
          while (!now.equals(second) && System.nanoTime() < end) {
            Thread.sleep(50);
            now = served(client, service.httpsPort());
          }
          assertThat(now).isEqualTo(second);
          assertThat(service.httpsCertificate().getSerialNumber()).isEqualTo(second);
          // The connection opened before keeps its certificate.
          assertThat(((X509Certificate) open.getSession().getPeerCertificates()[0]).getSerialNumber())
              .isEqualTo(first);
        }
        // Garbage written in place: refused, the current one stays.
        Files.writeString(cert, "garbage\n");
        awaitRefusedReloads(service, 2);
        Thread.sleep(10 * CaService.WATCH_MILLIS);
        assertThat(service.httpsIdentity().refusedReloads()).isEqualTo(2);
        assertThat(served(client, service.httpsPort())).isEqualTo(second);
        assertThat(service.httpsCertificate().getSerialNumber()).isEqualTo(second);
      }
    }
  }

  /**
   * Waits for the watcher to have refused {@code count} changes. A fixed sleep of 10 polls (2 s)
   * before reading the count failed when the watcher's thread got no turn in that time on a
   * loaded machine; the sleep that follows still shows that later polls do not refuse it again.
   */
  private static void awaitRefusedReloads(CaService service, int count) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (service.httpsIdentity().refusedReloads() < count && System.nanoTime() < end) {
      Thread.sleep(20);
    }
  }

  /** Rename-replace, as renewal tools write files. */
  private static void replace(Path from, Path to) throws Exception {
    Path temporary = to.resolveSibling(to.getFileName() + ".tmp");
    Files.copy(from, temporary, StandardCopyOption.REPLACE_EXISTING);
    Files.move(temporary, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static SSLContext trusting(X509Certificate root) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("root", root);
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  private static SSLSocket handshake(SSLContext context, int port) throws Exception {
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(5000);
    socket.startHandshake();
    return socket;
  }

  /** The serial a new handshake is served. */
  private static BigInteger served(SSLContext context, int port) throws Exception {
    try (SSLSocket socket = handshake(context, port)) {
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }
}
