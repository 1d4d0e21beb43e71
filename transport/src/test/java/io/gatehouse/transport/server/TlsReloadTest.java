package io.gatehouse.transport.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.issue.LeafFiles;
import io.gatehouse.testing.TestCerts;
import io.gatehouse.transport.config.TransportConfig;
import io.gatehouse.transport.testing.RawHttp;
import io.gatehouse.transport.testing.RealCa;
import io.gatehouse.transport.testing.TestServer;
import io.netty.handler.ssl.OpenSsl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The server's certificate and key renewed on disk while it runs, with real TLS on real sockets:
 * certificates from the real CA ({@code ca renew --rekey}, the operator's command), new
 * connections checked for the serial they are served, open connections kept across the change.
 */
class TlsReloadTest {
  /**
   * Bound of every wait for a reload (file watcher: 200 ms debounce twice, 2 s poll) and the TLS
   * handshakes that observe it; only reached when the reload never comes.
   */
  static final Duration RELOADED_WITHIN = Duration.ofSeconds(30);

  @TempDir static Path dir;
  static RealCa ca;
  static SSLContext client;
  static IssuerKey issuerKey; // unlocked once (PBKDF2 is slow on a loaded machine)

  @BeforeAll
  static void start() {
    ca = RealCa.start(dir.resolve("ca"));
    client = ca.clientContext(null);
    issuerKey = ca.issuerKey();
  }

  @AfterAll
  static void stop() {
    ca.close();
  }

  /** This test's own copy of the server certificate and key, for the server to watch. */
  record Material(Path certificate, Path key) {}

  private static Material material(String name) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    Path cert = Files.copy(ca.serverCertificate(), d.resolve("server.crt"));
    Path key = Files.copy(ca.serverKey(), d.resolve("server.key"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    return new Material(cert, key);
  }

  private static TransportConfig config(Material m, TransportConfig.TlsProvider provider) {
    return TransportConfig.defaults().withAddress("127.0.0.1", 0)
        .withTls(TransportConfig.Tls.of(m.certificate(), m.key()).withProvider(provider));
  }

  /** {@code gatehouse ca renew --rekey} on the files (key first, then certificate, each renamed in). */
  private static String renew(Material m) {
    ca.renewWithNewKey(m.certificate(), m.key());
    return fileSerial(m);
  }

  /**
   * What {@code ca renew --rekey} does, in-process with the key unlocked once: a new key pair, a
   * certificate for the same names, the key then the certificate written atomically.
   */
  private static String renewInProcess(Material m) throws Exception {
    KeyPair fresh = TestCerts.ecKey();
    X509Certificate renewed = new Issuer(ca.authority(), issuerKey, Clock.systemUTC())
        .issueServer(List.of("localhost"), List.of("127.0.0.1"), null, fresh.getPublic());
    new LeafFiles(m.certificate(), m.key(), null)
        .write(renewed, ca.authority().intermediates(), fresh.getPrivate(), null);
    return renewed.getSerialNumber().toString(16);
  }

  private static String fileSerial(Material m) {
    return RealCa.readCertificates(m.certificate()).get(0).getSerialNumber().toString(16);
  }

  /** GET /healthz on a new connection; the serial of the certificate it was served. */
  private static String serialOnNewConnection(int port) throws IOException {
    try (RawHttp raw = RawHttp.connect(client, port)) {
      assertThat(raw.exchange(RawHttp.request("GET", "/healthz", Map.of(), null)).status())
          .isEqualTo(200);
      return raw.serverCertificate().getSerialNumber().toString(16);
    }
  }

  @ParameterizedTest
  @EnumSource(value = TransportConfig.TlsProvider.class, names = {"JDK", "OPENSSL"})
  void renewedCertificateReachesNewConnectionsWhileOpenOnesContinue(
      TransportConfig.TlsProvider provider) throws Exception {
    assumeTrue(provider != TransportConfig.TlsProvider.OPENSSL || OpenSsl.isAvailable());
    Material m = material("renew-" + provider);
    String before = fileSerial(m);
    try (TestServer server = TestServer.start(config(m, provider));
        RawHttp open = RawHttp.connect(client, server.port())) {
      assertThat(open.exchange(RawHttp.request("GET", "/healthz", Map.of(), null)).status())
          .isEqualTo(200);
      assertThat(serialOnNewConnection(server.port())).isEqualTo(before);

      String after = renew(m);
      long renewed = System.nanoTime();
      assertThat(after).isNotEqualTo(before);
      assertThat(eventually(RELOADED_WITHIN,
          () -> after.equals(serialOrNull(server.port())))).isTrue();
      // Measured, not asserted: 0.6-1.7 s here, and a wall-clock bound (it was < 3 s) fails on a
      // loaded 2-core machine; what is asserted is that it happens without a restart.
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - renewed);
      System.out.println("TlsReloadTest[" + provider + "]: renewed certificate served after "
          + millis + " ms");

      // The connection opened before the renewal goes on, with the certificate it started with.
      assertThat(open.exchange(RawHttp.request("GET", "/healthz", Map.of(), null)).status())
          .isEqualTo(200);
      assertThat(open.serverCertificate().getSerialNumber().toString(16)).isEqualTo(before);
      assertThat(serialOnNewConnection(server.port())).isEqualTo(after);
      // A client we did not write sees the same: openssl s_client, verifying against the chain.
      String shown = opensslServerCertificate(server.port());
      assertThat(shown).contains("Verify return code: 0 (ok)");
      assertThat(new java.math.BigInteger(after, 16))
          .isEqualTo(((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
              .generateCertificate(new java.io.ByteArrayInputStream(
                  shown.getBytes(StandardCharsets.US_ASCII)))).getSerialNumber());
    }
  }

  /** {@code openssl s_client} output (with the server certificate's PEM) for a new connection. */
  private static String opensslServerCertificate(int port) throws Exception {
    Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port,
        "-servername", "localhost", "-CAfile", ca.chainPem().toString())
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out.substring(out.indexOf("-----BEGIN CERTIFICATE-----"));
  }

  @Test
  void underLoadTheRenewedCertificateReachesNewConnectionsWithZeroFailedRequests()
      throws Exception {
    Material m = material("load");
    String before = fileSerial(m);
    int freshClients = 3;
    try (TestServer server = TestServer.start(config(m, TransportConfig.TlsProvider.JDK))) {
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger okAfterRenewal = new AtomicInteger();
      Queue<String> failures = new ConcurrentLinkedQueue<>();
      List<String> renewedSerial = new java.util.concurrent.CopyOnWriteArrayList<>();
      AtomicInteger clientsOnRenewed = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(freshClients + 1);
      List<Future<?>> running = new ArrayList<>();
      for (int i = 0; i < freshClients; i++) {
        running.add(pool.submit(() -> {
          boolean onRenewed = false;
          while (!stop.get()) {
            try {
              String serial = serialOnNewConnection(server.port());
              ok.incrementAndGet();
              if (!renewedSerial.isEmpty() && serial.equals(renewedSerial.get(0))) {
                if (!onRenewed) {
                  onRenewed = true;
                  clientsOnRenewed.incrementAndGet();
                }
              } else if (onRenewed) {
                failures.add("old certificate " + serial + " after the renewed one");
              }
            } catch (Throwable e) {
              failures.add(e.toString());
            }
          }
        }));
      }
      // One keep-alive connection requesting throughout: it keeps its certificate.
      running.add(pool.submit(() -> {
        try (RawHttp open = RawHttp.connect(client, server.port())) {
          while (!stop.get()) {
            if (open.exchange(RawHttp.request("GET", "/healthz", Map.of(), null)).status() != 200) {
              failures.add("keep-alive request failed");
            }
            ok.incrementAndGet();
            if (!renewedSerial.isEmpty()) {
              okAfterRenewal.incrementAndGet();
            }
          }
          if (!open.serverCertificate().getSerialNumber().toString(16).equals(before)) {
            failures.add("the open connection's certificate changed");
          }
        } catch (Throwable e) {
          failures.add("keep-alive: " + e);
        }
      }));
      assertThat(eventually(RELOADED_WITHIN, () -> ok.get() >= 15)).isTrue();
      int beforeRenewal = ok.get();
      renewedSerial.add(renewInProcess(m));
      long renewed = System.nanoTime();
      boolean allSwitched = eventually(RELOADED_WITHIN,
          () -> clientsOnRenewed.get() == freshClients);
      long switchMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - renewed);
      Thread.sleep(500); // more requests on the renewed certificate
      stop.set(true);
      for (Future<?> f : running) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      System.out.println("TlsReloadTest load: " + ok.get() + " requests (" + beforeRenewal
          + " before the renewal), " + failures.size() + " failed; every client on the renewed"
          + " certificate " + switchMillis + " ms after it was written");
      assertThat(failures).isEmpty();
      assertThat(allSwitched).as("every client got the renewed certificate").isTrue();
      assertThat(okAfterRenewal.get()).isGreaterThan(0);
      assertThat(serialOnNewConnection(server.port())).isEqualTo(renewedSerial.get(0));
    }
  }

  @Test
  void badMismatchedOrExpiredFilesKeepTheOldMaterialAndSayWhy() throws Exception {
    Material m = material("bad");
    String original = fileSerial(m);
    byte[] goodKey = Files.readAllBytes(m.key());
    try (StderrCapture log = StderrCapture.start();
        TestServer server = TestServer.start(config(m, TransportConfig.TlsProvider.JDK))) {
      // 1. A key that is not the certificate's, renamed into place.
      replace(m.key(), PemFiles.encode(
          new JcaPKCS8Generator(TestCerts.ecKey().getPrivate(), null).generate()));
      String warning = log.awaitLine("TLS reload refused", 1);
      assertThat(warning).contains("WARN", "still serving certificate serial " + original,
          "tls.privateKey " + m.key(), "does not match the public key of tls.certificate");
      assertThat(serialOnNewConnection(server.port())).isEqualTo(original);

      // 2. The good key back, and garbage written over the certificate in place.
      replace(m.key(), goodKey);
      Files.write(m.certificate(), "not a certificate\n-----BEGIN CERTIFICATE-----\nAAAA\n"
          .getBytes(StandardCharsets.US_ASCII));
      assertThat(log.awaitLine("TLS reload refused", 2))
          .contains("tls.certificate " + m.certificate(), "is not a readable PEM certificate");
      assertThat(serialOnNewConnection(server.port())).isEqualTo(original);

      // 3. An expired certificate for the same key.
      X509Certificate current = RealCa.readCertificates(ca.serverCertificate()).get(0);
      Issuer past = new Issuer(ca.authority(), issuerKey,
          Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC));
      X509Certificate expired = past.issueServer(List.of("localhost"), List.of("127.0.0.1"),
          Duration.ofMinutes(5), current.getPublicKey());
      replace(m.certificate(), PemFiles.encode(expired, issuerKey.certificate()));
      assertThat(log.awaitLine("TLS reload refused", 3))
          .contains("serial " + expired.getSerialNumber().toString(16), "expired at");
      assertThat(serialOnNewConnection(server.port())).isEqualTo(original);

      // 4. A half-written certificate, then the rest of it: the next change is taken.
      Material next = new Material(dir.resolve("bad/next.crt"), dir.resolve("bad/next.key"));
      Files.copy(ca.serverCertificate(), next.certificate());
      Files.copy(ca.serverKey(), next.key());
      Files.setPosixFilePermissions(next.key(), PosixFilePermissions.fromString("rw-------"));
      String after = renewInProcess(next);
      byte[] renewedCert = Files.readAllBytes(next.certificate());
      replace(m.key(), Files.readAllBytes(next.key()));
      Files.write(m.certificate(), java.util.Arrays.copyOf(renewedCert, renewedCert.length / 2));
      log.awaitLine("TLS reload refused", 4);
      Files.write(m.certificate(), renewedCert);
      assertThat(eventually(RELOADED_WITHIN,
          () -> after.equals(serialOrNull(server.port())))).isTrue();
      assertThat(log.text()).contains("TLS reload: new connections get certificate serial " + after);
      // One line per refused change: the poll that follows an event does not repeat it.
      Thread.sleep(ReloadingSslContext.POLL_INTERVAL.toMillis() + 500);
      assertThat(log.count("TLS reload refused")).isEqualTo(4);
    }
  }

  /** Writes {@code content} to a temporary file and renames it over {@code file}. */
  private static void replace(Path file, byte[] content) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, content);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static String serialOrNull(int port) {
    try {
      return serialOnNewConnection(port);
    } catch (IOException | AssertionError e) {
      return null;
    }
  }

  static boolean eventually(Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(25);
    }
    return condition.getAsBoolean();
  }

  /** What is written to System.err (where slf4j-simple logs) while it is open, also passed on. */
  static final class StderrCapture implements AutoCloseable {
    private final PrintStream original = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    static StderrCapture start() {
      StderrCapture c = new StderrCapture();
      System.setErr(new PrintStream(new OutputStream() {
        @Override
        public void write(int b) {
          c.original.write(b);
          c.captured.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          c.original.write(b, off, len);
          c.captured.write(b, off, len);
        }
      }, true, StandardCharsets.UTF_8));
      return c;
    }

    String text() {
      return captured.toString(StandardCharsets.UTF_8);
    }

    long count(String fragment) {
      return text().lines().filter(l -> l.contains(fragment)).count();
    }

    /** Waits for the {@code n}th line containing {@code fragment}; returns it. */
    String awaitLine(String fragment, int n) throws InterruptedException {
      assertThat(eventually(RELOADED_WITHIN, () -> count(fragment) >= n))
          .as("log line %d with \"%s\" in:%n%s", n, fragment, text()).isTrue();
      return text().lines().filter(l -> l.contains(fragment)).skip(n - 1).findFirst().orElseThrow();
    }

    @Override
    public void close() {
      System.setErr(original);
    }
  }
}
