package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliChild;


import io.gatehouse.cli.CliEnvironment;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One {@code ca serve} process on port 0, asked with the real {@code openssl ocsp}. */
final class ServeNode implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private io.gatehouse.ca.serve.CaService service;
  private io.gatehouse.ca.authority.CertificateAuthority authority;
  private final String baseUrl;
  private final StringBuffer log = new StringBuffer();
  private final Path dir;

  private ServeNode(Process process, String baseUrl, Path dir, String before) {
    this.process = process;
    this.baseUrl = baseUrl;
    this.dir = dir;
    log.append(before);
  }

  /** Starts {@code gatehouse ca serve --port 0 --dir dir} with the test passphrase and {@code env}. */
  static ServeNode start(Path dir, Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(CliChild.command(
        "ca", "serve", "--port", "0", "--https-port", "0", "--dir", dir.toString())).redirectErrorStream(true);
    builder.environment().put(CliEnvironment.CA_PASSPHRASE, Cli.PASSPHRASE);
    builder.environment().putAll(env);
    Process process = builder.start();
    BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    Pattern serving = Pattern.compile("Serving .* on (http://[0-9.]+:\\d+) ");
    StringBuilder before = new StringBuilder();
    String url = null;
    for (String line = output.readLine(); line != null; line = output.readLine()) {
      before.append(line).append('\n');
      Matcher matcher = serving.matcher(line);
      if (matcher.find()) {
        url = matcher.group(1);
        break;
      }
    }
    if (url == null) {
      process.destroyForcibly();
      throw new AssertionError("ca serve did not start:\n" + before);
    }
    ServeNode node = new ServeNode(process, url, dir, before.toString());
    Thread drain = new Thread(() -> output.lines().forEach(line -> node.log.append(line).append('\n')));
    drain.setDaemon(true);
    drain.start();
    return node;
  }

  /**
   * Two {@link #start}s at once (their JVM start-ups overlap); when one fails, the other is
   * stopped and the failure thrown.
   */
  static ServeNode[] startTwo(Path dir, Map<String, String> env) throws Exception {
    java.util.concurrent.CompletableFuture<ServeNode> second = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return start(dir, env);
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    ServeNode first;
    try {
      first = start(dir, env);
    } catch (Exception | AssertionError e) {
      try {
        second.join().close();
      } catch (RuntimeException | Error ignored) {
        // the second failed too: the first failure is reported
      }
      throw e;
    }
    try {
      return new ServeNode[] {first, second.join()};
    } catch (java.util.concurrent.CompletionException e) {
      first.close();
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /**
   * The same service in this JVM (no process start-up, no log capture): for tests that only ask
   * it questions.
   */
  static ServeNode inProcess(Path dir, Map<String, String> env) throws Exception {
    io.gatehouse.ca.authority.CertificateAuthority ca = io.gatehouse.ca.authority.CertificateAuthority.open(dir, env);
    char[] passphrase = Cli.PASSPHRASE.toCharArray();
    io.gatehouse.ca.serve.CaService service = io.gatehouse.ca.serve.CaService.start(ca, ca.unlock(passphrase),
        io.gatehouse.ca.token.JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase),
        new io.gatehouse.ca.serve.CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null),
        java.time.Clock.systemUTC());
    ServeNode node = new ServeNode(null, service.baseUrl(), dir, "");
    node.service = service;
    node.authority = ca;
    return node;
  }

  String baseUrl() {
    return baseUrl;
  }

  /** Everything the process printed so far. */
  String log() {
    return log.toString();
  }

  /** {@code openssl ocsp -no_nonce} for {@code cert} (relative to the CA dir). */
  Processes.Output ocsp(String cert, String issuer) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl", "ocsp", "-issuer", issuer, "-cert", cert,
        "-url", baseUrl + "/ocsp", "-CAfile", "ca/chain.pem", "-no_nonce"));
    return Processes.run(dir, Map.of(), command);
  }

  /** Asks until {@code until} holds or {@code timeout} passes; returns the last answer. */
  Processes.Output ocspUntil(String cert, String issuer, Predicate<String> until, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    Processes.Output answer = ocsp(cert, issuer);
    while (!until.test(answer.text()) && System.nanoTime() < end) {
      Thread.sleep(50);
      answer = ocsp(cert, issuer);
    }
    return answer;
  }

  /**
   * Whether this node answers {@code revoked} for {@code serial}, asked in-process (BouncyCastle
   * request, one HTTP POST, signature checked against the response's own signer): for timing
   * without an openssl start-up per question.
   */
  boolean answersRevoked(java.security.cert.X509Certificate issuer, java.math.BigInteger serial) throws Exception {
    org.bouncycastle.cert.ocsp.CertificateID id = new org.bouncycastle.cert.ocsp.CertificateID(
        new org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder().build()
            .get(org.bouncycastle.cert.ocsp.CertificateID.HASH_SHA1),
        new org.bouncycastle.cert.jcajce.JcaX509CertificateHolder(issuer), serial);
    byte[] request = new org.bouncycastle.cert.ocsp.OCSPReqBuilder().addRequest(id).build().getEncoded();
    HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/ocsp"))
        .header("Content-Type", "application/ocsp-request")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofByteArray());
    org.bouncycastle.cert.ocsp.OCSPResp ocsp = new org.bouncycastle.cert.ocsp.OCSPResp(response.body());
    if (ocsp.getStatus() != 0) {
      return false;
    }
    org.bouncycastle.cert.ocsp.BasicOCSPResp basic = (org.bouncycastle.cert.ocsp.BasicOCSPResp) ocsp.getResponseObject();
    return basic.getResponses()[0].getCertStatus() instanceof org.bouncycastle.cert.ocsp.RevokedStatus;
  }

  /** {@code GET /readyz}: status code and body. */
  HttpResponse<String> readyz() throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/readyz")).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws Exception {
    if (process == null) {
      service.close();
      authority.close();
      return;
    }
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
