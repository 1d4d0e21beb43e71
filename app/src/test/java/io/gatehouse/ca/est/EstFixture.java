package io.gatehouse.ca.est;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.Crypto;
import io.gatehouse.cli.ca.Certs;
import io.gatehouse.cli.ca.Cli;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A real CA in a temporary directory (SQLite store on disk) served in-process by {@code ca serve}'s
 * {@link CaService} with its HTTPS listener on a free port, plus the client-side TLS material tests
 * need. Provisioners and tokens are made with the real CLI.
 */
final class EstFixture implements AutoCloseable {
  static final Cli CLI = Cli.withPassphrase();

  final Path dir;
  final CertificateAuthority ca;
  final CaService service;
  final X509Certificate root;
  final X509Certificate intermediate;
  final JwtSigningKey jwt;
  final EnrollmentTokens tokens;

  EstFixture(Path dir, EstService.Limits limits) throws Exception {
    this(dir, limits, Clock.systemUTC());
  }

  EstFixture(Path dir, EstService.Limits limits, Clock clock) throws Exception {
    this.dir = dir;
    assertThat(CLI.ca(dir, "init", "--intermediate").exit()).isZero();
    root = Certs.read(dir.resolve("ca/root.crt")).get(0);
    intermediate = Certs.read(dir.resolve("ca/intermediate.crt")).get(0);
    ca = CertificateAuthority.open(dir);
    char[] passphrase = Cli.PASSPHRASE.toCharArray();
    jwt = JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase);
    tokens = new EnrollmentTokens(jwt, ca.config());
    service = CaService.start(ca, ca.unlock(passphrase), jwt,
        new CaService.Options("127.0.0.1", 0, Duration.ofHours(1), null, null,
            new CaService.Https(0, List.of("localhost"), List.of("127.0.0.1"), limits)),
        clock);
  }

  int port() {
    return service.httpsPort();
  }

  /** {@code https://localhost:<port>/.well-known/est/}. */
  String est() {
    return "https://localhost:" + port() + EstHttpHandler.PREFIX;
  }

  /** Runs {@code gatehouse ca ...} against this CA and expects success. */
  Cli.Result ok(String... args) {
    Cli.Result result = CLI.ca(dir, args);
    assertThat(result.exit()).as(result.toString()).isZero();
    return result;
  }

  /**
   * A fresh enrollment token, minted in-process exactly as {@code ca enroll-token ARGS} does (same
   * checks, same signing) but with the JWT key unlocked once: the passphrase's key derivation is
   * deliberately slow. {@link #cliToken} goes through the CLI.
   */
  String token(String... args) throws Exception {
    String provisioner = null;
    String name = null;
    List<String> roles = new ArrayList<>();
    List<String> dns = new ArrayList<>();
    List<String> ips = new ArrayList<>();
    for (int i = 0; i < args.length; i += 2) {
      switch (args[i]) {
        case "--provisioner" -> provisioner = args[i + 1];
        case "--name" -> name = args[i + 1];
        case "--role" -> roles.add(args[i + 1]);
        case "--dns" -> dns.add(args[i + 1]);
        case "--ip" -> ips.add(args[i + 1]);
        default -> throw new IllegalArgumentException(args[i]);
      }
    }
    Instant now = Instant.now();
    return tokens.mint(EnrollmentTokens.check(ca.store().findProvisioner(provisioner).orElseThrow(), name, roles,
        dns, ips, null, now), now);
  }

  /** A fresh enrollment token from the real {@code ca enroll-token}. */
  String cliToken(String... args) {
    String[] full = new String[args.length + 1];
    full[0] = "enroll-token";
    System.arraycopy(args, 0, full, 1, args.length);
    return ok(full).out().trim();
  }

  X509TrustManager trustRoot() throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setCertificateEntry("root", root);
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(store);
    return (X509TrustManager) factory.getTrustManagers()[0];
  }

  static KeyManager[] keyManagers(PrivateKey key, List<X509Certificate> chain) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("me", key, "pw".toCharArray(), chain.toArray(Certificate[]::new));
    KeyManagerFactory factory = KeyManagerFactory.getInstance("PKIX");
    factory.init(store, "pw".toCharArray());
    return factory.getKeyManagers();
  }

  SSLContext tls(KeyManager[] keyManagers) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers, new javax.net.ssl.TrustManager[] {trustRoot()}, null);
    return context;
  }

  static PKCS10CertificationRequest csr(String cn, KeyPair key) throws Exception {
    return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn), key.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").setProvider(Crypto.BC).build(key.getPrivate()));
  }

  /** The certificates of a base64 certs-only response. */
  static List<X509Certificate> certsOnly(byte[] base64) throws Exception {
    CMSSignedData data = new CMSSignedData(Base64.getMimeDecoder().decode(base64));
    List<X509Certificate> out = new ArrayList<>();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    for (var holder : data.getCertificates().getMatches(null)) {
      out.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(holder.getEncoded())));
    }
    return out;
  }

  @Override
  public void close() {
    service.close();
    ca.close();
  }
}
