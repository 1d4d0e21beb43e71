package io.gatehouse.bench.support;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CaInitializer;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.issue.LeafFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * TLS material for the benchmarks, issued by the real Gatehouse CA library into a directory: a CA
 * of one key type, a {@code localhost}/{@code 127.0.0.1} server certificate and client
 * certificates of the same key type, as PEM files in the {@code ca issue} layout.
 */
public final class BenchPki implements AutoCloseable {
  /** A throw-away passphrase: the CA lives in a temp directory for one run. */
  private static final String PASSPHRASE = "benchmark-only-passphrase";

  private final Path dir;
  private final CertificateAuthority ca;
  private final IssuerKey issuerKey;
  private final Issuer issuer;
  private final KeyType keyType;

  /** A leaf on disk: PEM chain (leaf first) and PKCS#8 key. */
  public record Leaf(X509Certificate certificate, Path certificatePem, Path keyPem) {}

  private BenchPki(Path dir, KeyType keyType, CertificateAuthority ca, IssuerKey issuerKey) {
    this.dir = dir;
    this.keyType = keyType;
    this.ca = ca;
    this.issuerKey = issuerKey;
    this.issuer = new Issuer(ca, issuerKey, Clock.systemUTC());
  }

  private static final Map<KeyType, BenchPki> SHARED = new EnumMap<>(KeyType.class);

  /**
   * One CA of {@code keyType} for the whole run: creating a CA costs two PBKDF2 runs of 600,000
   * iterations, which would otherwise dominate the setup of every fork. Under the directory named by
   * the system property {@value #SHARED_ROOT} (set by the runner for its forks, removed by it at the
   * end) the first fork creates the CA and later forks open it; without the property, one CA per JVM
   * in a temp directory removed at exit. Do not close it.
   */
  public static synchronized BenchPki shared(KeyType keyType) {
    return SHARED.computeIfAbsent(keyType, type -> {
      String root = System.getProperty(SHARED_ROOT);
      if (root != null) {
        Path dir = Path.of(root, type.cliName());
        return Files.isRegularFile(dir.resolve(PLAIN_ISSUER_KEY)) ? open(dir, type) : create(dir, type);
      }
      Path dir = TempDirs.create("pki-" + type.cliName());
      BenchPki pki = create(dir, type);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        pki.close();
        TempDirs.delete(dir);
      }));
      return pki;
    });
  }

  /** System property: a run-scoped directory where forks share their CAs. */
  public static final String SHARED_ROOT = "gatehouse.bench.pkiRoot";

  /**
   * The issuing key, unencrypted (mode 0600), so later forks skip the PBKDF2 of {@code unlock}. A
   * throw-away CA in a temp directory; never do this with a real one.
   */
  private static final String PLAIN_ISSUER_KEY = "bench-issuer.key";

  /** Creates a CA with {@code keyType} keys under {@code dir} (which must not hold one), on SQLite. */
  public static BenchPki create(Path dir, KeyType keyType) {
    return create(dir, keyType, null, Map.of());
  }

  /**
   * Creates a CA with {@code keyType} keys under {@code dir} (which must not hold one) on the store
   * {@code storeUrl}: null for SQLite, else a migrated, empty PostgreSQL database whose password
   * {@code env} supplies.
   */
  public static BenchPki create(Path dir, KeyType keyType, String storeUrl, Map<String, String> env) {
    try {
      Files.createDirectories(dir);
      CaInitializer.init(new CaInitializer.Options(dir, "Gatehouse Bench CA", "gatehouse.local", keyType,
          false, null, null, Duration.ofDays(1), Duration.ofDays(7), Duration.ofDays(90), Duration.ofDays(397),
          null, "ES256", false), passphrase(), Instant.now(), storeUrl, env);
      CertificateAuthority ca = CertificateAuthority.open(dir, env);
      IssuerKey key = ca.unlock(passphrase());
      PemFiles.writeKey(dir.resolve(PLAIN_ISSUER_KEY), key.privateKey());
      return new BenchPki(dir, keyType, ca, key);
    } catch (CaException e) {
      throw new IllegalStateException("benchmark CA: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The CA under {@code dir}: opened (with its own store connection) when a {@link #create} already
   * made it there, else created on {@code storeUrl} (see {@link #create(Path, KeyType, String,
   * Map)}). Callers that share {@code dir} across processes make it one at a time.
   */
  public static BenchPki openOrCreate(Path dir, KeyType keyType, String storeUrl, Map<String, String> env) {
    return Files.isRegularFile(dir.resolve(PLAIN_ISSUER_KEY)) ? open(dir, keyType, env)
        : create(dir, keyType, storeUrl, env);
  }

  private static BenchPki open(Path dir, KeyType keyType) {
    return open(dir, keyType, Map.of());
  }

  private static BenchPki open(Path dir, KeyType keyType, Map<String, String> env) {
    try {
      CertificateAuthority ca = CertificateAuthority.open(dir, env);
      IssuerKey key = IssuerKey.of(ca.issuerCertificate(), PemFiles.readKey(dir.resolve(PLAIN_ISSUER_KEY)));
      return new BenchPki(dir, keyType, ca, key);
    } catch (CaException e) {
      throw new IllegalStateException("benchmark CA in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The CA passphrase (a fresh copy). */
  public static char[] passphrase() {
    return PASSPHRASE.toCharArray();
  }

  /** The CA directory (the {@code --dir} root). */
  public Path dir() {
    return dir;
  }

  /** The opened CA. */
  public CertificateAuthority ca() {
    return ca;
  }

  /** The issuer, signing with the unlocked CA key. */
  public Issuer issuer() {
    return issuer;
  }

  /** The unlocked issuing key. */
  public IssuerKey issuerKey() {
    return issuerKey;
  }

  /** The trust bundle clients and servers use ({@code ca/chain.pem}). */
  public Path chainPem() {
    return ca.layout().chain();
  }

  /** Issues {@code localhost} + {@code 127.0.0.1} and writes it under {@code servers/}. */
  public Leaf server() {
    KeyPair keys = keyType.generate();
    try {
      X509Certificate cert = issuer.issueServer(List.of("localhost"), List.of("127.0.0.1"), null, keys.getPublic());
      LeafFiles files = LeafFiles.server(ca.layout(), "localhost");
      files.preflight(true);
      files.write(cert, ca.intermediates(), keys.getPrivate(), null);
      return new Leaf(cert, files.certificate(), files.key());
    } catch (CaException e) {
      throw new IllegalStateException("benchmark server certificate: " + e.getMessage(), e);
    }
  }

  /** Issues client {@code name} with {@code roles} and writes it under {@code clients/}. */
  public Leaf client(String name, String... roles) {
    KeyPair keys = keyType.generate();
    try {
      X509Certificate cert = issuer.issueClient(name, null, List.of(roles), null, keys.getPublic());
      LeafFiles files = LeafFiles.client(ca.layout(), name, true, false);
      files.preflight(true);
      files.write(cert, ca.intermediates(), keys.getPrivate(), null);
      return new Leaf(cert, files.certificate(), files.key());
    } catch (CaException e) {
      throw new IllegalStateException("benchmark client certificate: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    ca.close();
  }
}
