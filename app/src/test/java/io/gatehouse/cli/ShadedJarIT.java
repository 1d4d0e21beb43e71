package io.gatehouse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code target/gatehouse.jar} the launcher runs, as a child process: its commands,
 * and {@code demo --exit} end to end with calm output. Runs in the integration-test phase.
 */
class ShadedJarIT {
  static final Path JAR = Path.of("target/gatehouse.jar");

  @TempDir Path work;

  record Result(int exit, String out, String err) {}

  Result gatehouse(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("GATEHOUSE_"));
    Path out = work.resolve("out.txt");
    Path err = work.resolve("err.txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("gatehouse " + String.join(" ", args) + " did not finish in 120 s");
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void theJarIsUnsignedAndMergesEveryModulesCommands() throws Exception {
    try (ZipFile zip = new ZipFile(JAR.toFile())) {
      assertThat(zip.stream().map(e -> e.getName()))
          .noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)"));
      // Every module is in it: the CLI root (app), the CA, the transport, the example server.
      assertThat(zip.getEntry("io/gatehouse/cli/GatehouseCli.class")).isNotNull();
      assertThat(zip.getEntry("io/gatehouse/ca/authority/CertificateAuthority.class")).isNotNull();
      assertThat(zip.getEntry("io/gatehouse/transport/server/Gatehouse.class")).isNotNull();
      assertThat(zip.getEntry("io/gatehouse/example/server/ExampleServer.class")).isNotNull();
    }
    Result help = gatehouse("--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("ca ", "token", "server", "demo", "apikey", "connect", "enroll");
    Result server = gatehouse("server", "--help");
    assertThat(server.out()).contains("GATEHOUSE_SERVER_PORT", "GATEHOUSE_AUTH_REVOCATION_MODE");
  }

  /**
   * Issue 11, finding 8: the jar ships the BoringSSL natives, so {@code provider: openssl} starts
   * and serves a real TLS 1.3 handshake (openssl s_client and a JSSE client).
   */
  @Test
  void openSslProviderStartsFromTheJarAndHandshakes() throws Exception {
    try (ZipFile zip = new ZipFile(JAR.toFile())) {
      assertThat(zip.getEntry("META-INF/native/libnetty_tcnative_linux_x86_64.so")).isNotNull();
      assertThat(zip.getEntry("META-INF/native/libnetty_tcnative_linux_aarch_64.so")).isNotNull();
      assertThat(zip.getEntry("io/netty/internal/tcnative/SSLContext.class")).isNotNull();
    }
    Path cert = work.resolve("server.crt");
    Path key = work.resolve("server.key");
    Process req = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "1")
        .redirectErrorStream(true).redirectOutput(work.resolve("req.txt").toFile()).start();
    assertThat(req.waitFor(30, TimeUnit.SECONDS) && req.exitValue() == 0).as("openssl req").isTrue();
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Path keys = work.resolve("apikeys.json");
    assertThat(gatehouse("apikey", "create", "--file", keys.toString(), "--name", "probe",
        "--role", "staff").exit()).isZero();
    Path config = Files.writeString(work.resolve("openssl.yaml"), String.join("\n",
        "server:",
        "  port: 0",
        "  tls:",
        "    certificate: " + cert,
        "    privateKey: " + key,
        "    provider: openssl",
        "auth:",
        "  certificate: {enabled: false}",
        "  apiKey: {enabled: true, file: " + keys + "}",
        "  policy: {file: " + Path.of("../server-example/config/policy.yaml").toAbsolutePath() + "}",
        ""));
    Process server = start("server", "--config", config.toString());
    try {
      int port = awaitPort(server);
      String log = Files.readString(work.resolve("server-err.txt"), StandardCharsets.UTF_8);
      assertThat(log).contains("TLS provider OPENSSL").doesNotContain("ClassNotFound");
      Process sClient = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + port,
          "-servername", "localhost", "-CAfile", cert.toString(), "-verify_return_error")
          .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      assertThat(sClient.waitFor(30, TimeUnit.SECONDS)).isTrue();
      String handshake = new String(sClient.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(handshake).as(handshake).contains("TLSv1.3", "Verify return code: 0 (ok)");
      assertThat(sClient.exitValue()).isZero();
      assertThat(httpsGet(cert, port, "/healthz")).startsWith("HTTP/1.1 200").contains("{\"status\":\"ok\"}");
    } finally {
      server.destroy();
      server.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** Issue 11, finding 7: JWT on without auth.resource is refused at start, naming the key. */
  @Test
  void serverWithJwtAndNoResourceRefusesToStart() throws Exception {
    Path config = Files.writeString(work.resolve("jwt.yaml"), String.join("\n",
        "server:",
        "  port: 0",
        "  plainHttp: true",
        "auth:",
        "  certificate: {enabled: false}",
        "  jwt: {enabled: true, issuer: https://issuer.example, keyFile: " + work.resolve("jwks.json") + "}",
        "  policy: {file: " + Path.of("../server-example/config/policy.yaml").toAbsolutePath() + "}",
        ""));
    Result refused = gatehouse("server", "--config", config.toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err().strip()).startsWith("gatehouse: auth.resource is required when auth.jwt"
        + " is enabled").doesNotContain("\n");
  }

  private Process start(String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("GATEHOUSE_"));
    return builder.redirectOutput(work.resolve("server-out.txt").toFile())
        .redirectError(work.resolve("server-err.txt").toFile()).start();
  }

  private int awaitPort(Process server) throws Exception {
    Pattern listening = Pattern.compile("server on https://[^:]+:(\\d+)/mcp");
    for (int i = 0; i < 600; i++) {
      Matcher m = listening.matcher(Files.readString(work.resolve("server-out.txt"), StandardCharsets.UTF_8));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      assertThat(server.isAlive()).as(() -> "server exited: " + read("server-err.txt")).isTrue();
      Thread.sleep(100);
    }
    throw new AssertionError("server did not start: " + read("server-err.txt"));
  }

  private String read(String name) {
    try {
      return Files.readString(work.resolve(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** One request over a JSSE client that trusts only {@code cert}. */
  static String httpsGet(Path cert, int port, String path) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("server", CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(cert))));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      var params = socket.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      params.setServerNames(List.of(new javax.net.ssl.SNIHostName("localhost")));
      socket.setSSLParameters(params);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost:" + port
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void demoExitRunsEveryStepWithCalmOutput() throws Exception {
    Result demo = gatehouse("demo", "--exit", "--port", "0", "--ca-port", "0");
    assertThat(demo.exit()).as(demo.out() + demo.err()).isZero();
    // Steps 1-7 of 8 (the 8th, "running until Ctrl-C", is skipped by --exit).
    assertThat(demo.out().lines().filter(l -> l.startsWith("✓ "))).hasSize(7);
    assertThat(demo.out()).doesNotContain("✗");
    assertThat(demo.err()).as("stderr").isBlank();
    assertThat(work.resolve("certs/demo/ca-passphrase")).exists();
  }
}
