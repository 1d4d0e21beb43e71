package io.gatehouse.transport.testing;

import io.gatehouse.ca.authority.CaConfig;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.cli.CliEnvironment;
import io.gatehouse.cli.GatehouseCli;
import io.gatehouse.ca.serve.CaService;
import io.gatehouse.ca.token.JwtSigningKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import picocli.CommandLine;

/**
 * The real Gatehouse CA for transport tests: {@code gatehouse ca init --intermediate} run
 * in-process into a directory, {@code ca serve} (OCSP, CRL, JWKS) started in-process on a free
 * loopback port and written into {@code ca.json} as the OCSP URL, so every client certificate
 * issued afterwards names the running responder in its AIA. Certificates, revocations and tokens
 * go through the real CLI ({@code ca issue}, {@code ca revoke}, {@code token}).
 */
public final class RealCa implements AutoCloseable {
  private static final String ALIAS = "me";
  /** The CA passphrase of every test CA. */
  public static final String PASSPHRASE = "correct horse battery staple";

  private final Path dir;
  private final CertificateAuthority ca;
  private CaService service;
  private final int responderPort;
  private IssuerKey servedIssuer;
  private JwtSigningKey servedJwtKey;

  private RealCa(Path dir) throws Exception {
    this.dir = dir;
    run("ca", "init", "--intermediate", "--dir", dir.toString());
    this.ca = CertificateAuthority.open(dir);
    this.service = serve(0);
    this.responderPort = URI.create(service.baseUrl()).getPort();
    CaConfig c = ca.config();
    new CaConfig(c.version(), c.name(), c.trustDomain(), c.keyType(), c.intermediate(),
        ocspUrl(), c.crlUrl(), c.clientTtl(), c.clientMaxTtl(), c.serverTtl(), c.serverMaxTtl(),
        c.issuer(), c.jwtAlgorithm(), c.tokenTtl(), c.tokenMaxTtl()).write(ca.layout().config());
    run("ca", "issue", "server", "--dns", "localhost", "--ip", "127.0.0.1", "--dir", dir.toString());
  }

  /** A new CA in {@code dir} with its responder running. */
  public static RealCa start(Path dir) {
    try {
      return new RealCa(dir);
    } catch (Exception e) {
      throw new IllegalStateException("cannot set up the test CA: " + e.getMessage(), e);
    }
  }

  /** A certificate with its key, as {@code ca issue} wrote them. */
  public record Identity(List<X509Certificate> chain, PrivateKey key) {
    public X509Certificate certificate() {
      return chain.get(0);
    }

    public String serialHex() {
      return certificate().getSerialNumber().toString(16);
    }
  }

  /** Runs {@code gatehouse args…} in-process; fails the test on a non-zero exit. */
  public String run(String... args) {
    CommandLine cli = GatehouseCli.newCommandLine(new CliEnvironment(
        Map.of(CliEnvironment.CA_PASSPHRASE, PASSPHRASE), null, Clock.systemUTC()));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    if (exit != 0) {
      throw new IllegalStateException("gatehouse " + String.join(" ", args) + " exited " + exit
          + ": " + err);
    }
    return out.toString();
  }

  /** {@code ca issue client --name name --role …}. */
  public Identity client(String name, String... roles) {
    List<String> args = new ArrayList<>(List.of("ca", "issue", "client", "--name", name));
    for (String role : roles) {
      args.add("--role");
      args.add(role);
    }
    args.addAll(List.of("--dir", dir.toString()));
    run(args.toArray(String[]::new));
    return read(dir.resolve("clients/" + name + ".crt"), dir.resolve("clients/" + name + ".key"));
  }

  /** The server certificate for localhost/127.0.0.1 issued at setup ({@code servers/localhost.crt}). */
  public Path serverCertificate() {
    return dir.resolve("servers/localhost.crt");
  }

  /** Its private key. */
  public Path serverKey() {
    return dir.resolve("servers/localhost.key");
  }

  /**
   * Issues a client certificate whose AIA names {@code ocspUrl} instead of the running responder
   * (e.g. one that hangs), by changing {@code ca.json} for the duration of the issuance.
   */
  public Identity clientWithOcspUrl(String ocspUrl, String name, String... roles) {
    Path config = ca.layout().config();
    try {
      byte[] original = Files.readAllBytes(config);
      CaConfig c = ca.config();
      new CaConfig(c.version(), c.name(), c.trustDomain(), c.keyType(), c.intermediate(),
          ocspUrl, c.crlUrl(), c.clientTtl(), c.clientMaxTtl(), c.serverTtl(), c.serverMaxTtl(),
          c.issuer(), c.jwtAlgorithm(), c.tokenTtl(), c.tokenMaxTtl()).write(config);
      try {
        return client(name, roles);
      } finally {
        Files.write(config, original);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code ca revoke --serial … --reason keyCompromise}. */
  public void revoke(Identity identity) {
    run("ca", "revoke", "--serial", identity.serialHex(), "--reason", "keyCompromise",
        "--dir", dir.toString());
  }

  /** {@code gatehouse token --name … --aud … --role …}, the JWT it printed. */
  public String token(String name, String audience, String... roles) {
    List<String> args = new ArrayList<>(List.of("token", "--name", name, "--aud", audience));
    for (String role : roles) {
      args.add("--role");
      args.add(role);
    }
    args.addAll(List.of("--dir", dir.toString()));
    return run(args.toArray(String[]::new)).trim();
  }

  /** The issuing chain clients and servers trust ({@code ca/chain.pem}). */
  public Path chainPem() {
    return ca.layout().chain();
  }

  /** The CA's public JWT keys as a JWK set file ({@code ca/jwks.json}, written by {@code ca serve}). */
  public Path jwksFile() {
    return JwtSigningKey.jwksFile(ca.layout());
  }

  /** The JWT issuer of {@code gatehouse token}. */
  public String tokenIssuer() {
    return ca.config().tokenIssuer();
  }

  /** {@code http://127.0.0.1:<port>} of the running {@code ca serve}. */
  public String baseUrl() {
    return service.baseUrl();
  }

  /** The OCSP URL written into issued certificates. */
  public String ocspUrl() {
    return service.baseUrl() + "/ocsp";
  }

  /** The unlocked issuing key (to sign deliberately bad certificates). */
  public IssuerKey issuerKey() {
    try {
      return ca.unlock(PASSPHRASE.toCharArray());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The opened CA. */
  public CertificateAuthority authority() {
    return ca;
  }

  /** Stops {@code ca serve}: the responder is gone. */
  public void stopResponder() {
    if (service != null) {
      service.close();
      service = null;
    }
  }

  /** Starts {@code ca serve} again on its first port (the one issued certificates name). */
  public void restartResponder() {
    if (service == null) {
      try {
        service = serve(responderPort);
      } catch (Exception e) {
        throw new IllegalStateException("cannot restart ca serve: " + e.getMessage(), e);
      }
    }
  }

  /** A client TLS context trusting the CA chain and presenting {@code identity} (null: none). */
  public SSLContext clientContext(Identity identity) {
    try {
      KeyManager[] keyManagers = identity == null
          ? null : keyManagerFactory(identity.chain(), identity.key()).getKeyManagers();
      return context(keyManagers);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A client TLS context trusting the CA chain that presents {@code chain} whatever CAs the server
   * names. The JDK's key manager would send nothing for a chain from another CA, and a test of a
   * foreign, forged or self-signed chain would then test nothing.
   */
  public SSLContext clientContextPresenting(List<X509Certificate> chain, PrivateKey key) {
    try {
      X509KeyManager keys = (X509KeyManager) keyManagerFactory(chain, key).getKeyManagers()[0];
      return context(new KeyManager[] {new AlwaysPresent(keys)});
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private SSLContext context(KeyManager[] keyManagers) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (X509Certificate c : readCertificates(chainPem())) {
      trust.setCertificateEntry("ca-" + i++, c);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers, tmf.getTrustManagers(), new SecureRandom());
    return context;
  }

  private static KeyManagerFactory keyManagerFactory(List<X509Certificate> chain, PrivateKey key)
      throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    char[] password = "test".toCharArray();
    keys.setKeyEntry(ALIAS, key, password, chain.toArray(X509Certificate[]::new));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, password);
    return kmf;
  }

  /** Answers every client-alias question with the one entry, ignoring the server's CA list. */
  private static final class AlwaysPresent extends X509ExtendedKeyManager {
    private final X509KeyManager keys;

    AlwaysPresent(X509KeyManager keys) {
      this.keys = keys;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return ALIAS;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return ALIAS;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return new String[] {ALIAS};
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return keys.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return keys.getPrivateKey(alias);
    }
  }

  @Override
  public void close() {
    stopResponder();
    ca.close();
  }

  private CaService serve(int port) throws Exception {
    if (servedIssuer == null) { // unlocked once: PBKDF2 is the slow part of a restart
      char[] passphrase = PASSPHRASE.toCharArray();
      servedIssuer = ca.unlock(passphrase);
      servedJwtKey = JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase);
    }
    return CaService.start(ca, servedIssuer, servedJwtKey,
        new CaService.Options("127.0.0.1", port, Duration.ofHours(1), null, null),
        Clock.systemUTC());
  }

  /** Reads a certificate file (leaf first) and a PKCS#8 PEM key. */
  public static Identity read(Path certificate, Path key) {
    try (Reader in = Files.newBufferedReader(key); PEMParser pem = new PEMParser(in)) {
      PrivateKey privateKey = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) pem.readObject());
      return new Identity(readCertificates(certificate), privateKey);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** All certificates in a PEM file. */
  public static List<X509Certificate> readCertificates(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      List<X509Certificate> certs = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certs.add((X509Certificate) c);
      }
      return certs;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
