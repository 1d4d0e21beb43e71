package io.gatehouse.transport.testing;

import io.gatehouse.ca.authority.CaConfig;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.CaInitializer;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.ca.db.RevocationReason;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.issue.LeafFiles;
import io.gatehouse.ca.issue.Renewer;
import io.gatehouse.ca.token.TokenMinter;
import io.gatehouse.pki.identity.SpiffeId;
import java.security.KeyPair;
import java.time.Instant;
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

/**
 * The real Gatehouse CA for transport tests: {@code gatehouse ca init --intermediate} run
 * in-process into a directory, {@code ca serve} (OCSP, CRL, JWKS) started in-process on a free
 * loopback port and written into {@code ca.json} as the OCSP URL, so every client certificate
 * issued afterwards names the running responder in its AIA. Certificates, revocations and tokens
 * go through the same CA classes the CLI's {@code ca issue}, {@code ca revoke} and {@code token}
 * call (transport cannot depend on the app module that holds the CLI).
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
    // What `gatehouse ca init --intermediate` does, with its defaults (transport cannot see the CLI).
    CaInitializer.init(new CaInitializer.Options(dir, "Gatehouse Root CA",
        SpiffeId.DEFAULT_TRUST_DOMAIN, KeyType.parse("ec-p256"), true, null, null,
        Ttl.parse(CaConfig.DEFAULT_CLIENT_TTL), Ttl.parse(CaConfig.DEFAULT_CLIENT_MAX_TTL),
        Ttl.parse(CaConfig.DEFAULT_SERVER_TTL), Ttl.parse(CaConfig.DEFAULT_SERVER_MAX_TTL), null,
        "ES256", false), PASSPHRASE.toCharArray(), Instant.now());
    this.ca = CertificateAuthority.open(dir);
    this.service = serve(0);
    this.responderPort = URI.create(service.baseUrl()).getPort();
    CaConfig c = ca.config();
    new CaConfig(c.version(), c.name(), c.trustDomain(), c.keyType(), c.intermediate(),
        ocspUrl(), c.crlUrl(), c.clientTtl(), c.clientMaxTtl(), c.serverTtl(), c.serverMaxTtl(),
        c.issuer(), c.jwtAlgorithm(), c.tokenTtl(), c.tokenMaxTtl()).write(ca.layout().config());
    server(List.of("localhost"), List.of("127.0.0.1"));
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

  /** What the CA's commands do, on a freshly opened CA (so a changed {@code ca.json} applies). */
  private interface Operation<T> {
    T apply(CertificateAuthority authority, IssuerKey key) throws Exception;
  }

  private <T> T withUnlockedCa(Operation<T> operation) {
    try (CertificateAuthority authority = CertificateAuthority.open(dir)) {
      IssuerKey key = authority.unlock(PASSPHRASE.toCharArray());
      authority.requireIntegrity(false);
      return operation.apply(authority, key);
    } catch (Exception e) {
      throw new IllegalStateException("test CA operation failed: " + e.getMessage(), e);
    }
  }

  /** {@code ca issue client --name name --role …} (ec-p256, the CA's default lifetime). */
  public Identity client(String name, String... roles) {
    withUnlockedCa((authority, key) -> {
      List<String> roleList = List.of(roles);
      Issuer.checkClientRequest(authority.config(), name, roleList, null);
      LeafFiles files = LeafFiles.client(authority.layout(), name, true, false);
      files.preflight(false);
      KeyPair pair = KeyType.parse("ec-p256").generate();
      X509Certificate certificate = new Issuer(authority, key, Clock.systemUTC())
          .issueClient(name, null, roleList, null, pair.getPublic());
      files.write(certificate, authority.intermediates(), pair.getPrivate(), null);
      return certificate;
    });
    return read(dir.resolve("clients/" + name + ".crt"), dir.resolve("clients/" + name + ".key"));
  }

  /**
   * {@code ca issue server --dns … --ip … --force}: {@code servers/<first dns>.crt} and {@code .key}
   * (replacing earlier files of that name).
   */
  public void server(List<String> dnsNames, List<String> ipAddresses) {
    withUnlockedCa((authority, key) -> {
      Issuer.checkServerRequest(authority.config(), dnsNames, ipAddresses, null);
      LeafFiles files = LeafFiles.server(authority.layout(), dnsNames.get(0));
      files.preflight(true);
      KeyPair pair = KeyType.parse("ec-p256").generate();
      X509Certificate certificate = new Issuer(authority, key, Clock.systemUTC())
          .issueServer(dnsNames, ipAddresses, null, pair.getPublic());
      files.write(certificate, authority.intermediates(), pair.getPrivate(), null);
      return certificate;
    });
  }

  /**
   * {@code ca renew --rekey --cert certificate --key key}: a new key pair of the same type; the key
   * file is replaced first, then the certificate, each renamed into place.
   */
  public void renewWithNewKey(Path certificate, Path keyFile) {
    withUnlockedCa((authority, key) -> {
      X509Certificate current = PemFiles.readCertificate(certificate);
      PrivateKey currentKey = PemFiles.readKey(keyFile);
      KeyPair fresh = KeyType.of(currentKey).generate();
      Issuer issuer = new Issuer(authority, key, Clock.systemUTC());
      X509Certificate renewed = new Renewer(authority, issuer, Clock.systemUTC())
          .renew(current, currentKey, fresh.getPublic());
      new LeafFiles(certificate, keyFile, null)
          .write(renewed, authority.intermediates(), fresh.getPrivate(), null);
      return renewed;
    });
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
    withUnlockedCa((authority, key) -> authority.store().revoke(
        identity.certificate().getSerialNumber(), RevocationReason.parse("keyCompromise"),
        Instant.now()));
  }

  /** {@code gatehouse token --name … --aud … --role …}: the JWT it would print. */
  public String token(String name, String audience, String... roles) {
    try (CertificateAuthority authority = CertificateAuthority.open(dir)) {
      List<String> roleList = List.of(roles);
      TokenMinter.check(authority.config(), name, roleList, null, audience);
      JwtSigningKey key = JwtSigningKey.loadOrCreate(authority.layout(), authority.config(),
          PASSPHRASE.toCharArray());
      return new TokenMinter(key, authority.config())
          .mint(name, roleList, null, audience, null, Instant.now());
    } catch (Exception e) {
      throw new IllegalStateException("test CA token failed: " + e.getMessage(), e);
    }
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
