package io.gatehouse.ca.authority;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.db.CertificateStore;
import io.gatehouse.ca.db.HeadVerifier;
import io.gatehouse.ca.db.IntegrityException;
import io.gatehouse.ca.db.IntegrityReport;
import io.gatehouse.ca.db.PostgresCertificateStore;
import io.gatehouse.ca.db.SqliteCertificateStore;
import io.gatehouse.ca.db.StoreException;
import io.gatehouse.ca.db.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An initialised CA on disk: its config, its certificate chain and its store. Opening it needs no
 * passphrase (listing and verifying do not sign); {@link #unlock(char[])} decrypts the issuing key
 * for commands that sign, and lets the store write: every store write is signed into the audit
 * chain by that key, so revoking needs the passphrase too.
 */
public final class CertificateAuthority implements AutoCloseable {
  private final CaLayout layout;
  private final CaConfig config;
  private final List<X509Certificate> chain;
  private final CertificateStore store;
  private volatile boolean authorized;

  private CertificateAuthority(
      CaLayout layout, CaConfig config, List<X509Certificate> chain, CertificateStore store) {
    this.layout = layout;
    this.config = config;
    this.chain = List.copyOf(chain);
    this.store = store;
  }

  /**
   * Opens the CA under {@code dir}.
   *
   * @throws CaException when there is no CA there, or its files or store are unreadable
   */
  public static CertificateAuthority open(Path dir) throws CaException {
    return open(dir, System.getenv());
  }

  /**
   * Opens the CA under {@code dir}; {@code env} supplies the database password of a PostgreSQL
   * store ({@value PostgresCertificateStore#PASSWORD_ENV}).
   */
  public static CertificateAuthority open(Path dir, Map<String, String> env) throws CaException {
    CaLayout layout = new CaLayout(dir);
    if (!Files.isRegularFile(layout.config())) {
      throw new CaException("no CA found in " + layout.caDir()
          + ": run 'gatehouse ca init --dir " + dir + "' first");
    }
    CaConfig config = CaConfig.read(layout.config());
    List<X509Certificate> chain = PemFiles.readCertificates(layout.chain());
    if (chain.size() != (config.intermediate() ? 2 : 1)) {
      throw new CaException(layout.chain() + " does not match ca.json: restore it from backup");
    }
    return new CertificateAuthority(layout, config, chain, openStore(layout, config, env));
  }

  /** The store {@code ca.json} names: its PostgreSQL URL, else {@code ca/ca.db}. */
  public static CertificateStore openStore(CaLayout layout, CaConfig config, Map<String, String> env)
      throws CaException {
    return config.store() == null
        ? SqliteCertificateStore.open(layout.database())
        : PostgresCertificateStore.open(StoreLocation.parse(config.store()), env);
  }

  /** Records that this CA's audit chain is keyed, so an unkeyed store is never sealed again. */
  static void markSealed(CaLayout layout) throws CaException {
    SecureFiles.writePublic(layout.auditSealed(),
        "the audit chain of this CA is signed by its issuing key (docs/ca.md)\n".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII));
  }

  /** Who a passphrase-holding command writes as: the OS user, authenticated by the passphrase. */
  public static String localActor() {
    return System.getProperty("user.name", "unknown") + " (passphrase)";
  }

  /** Checks audit chain heads against the issuing certificate; needs no secret. */
  public HeadVerifier headVerifier() {
    return IssuerKey.headVerifier(issuerCertificate());
  }

  /**
   * Verifies the whole audit chain and every row against it.
   *
   * @throws IntegrityException naming the first bad entry
   */
  public IntegrityReport verify() throws StoreException {
    return store.verify(headVerifier());
  }

  /**
   * What {@code ca list}, {@code ca crl} and {@code ca issue} run first: refuses a store that fails
   * verification, unless the operator named {@code --ignore-integrity}.
   */
  public void requireIntegrity(boolean ignore) throws CaException {
    if (ignore) {
      return;
    }
    try {
      verify();
    } catch (IntegrityException e) {
      throw new CaException("the CA store failed verification: " + e.getMessage()
          + ". Run 'gatehouse ca verify' for details; --ignore-integrity overrides");
    }
  }

  /**
   * Lets the store write with {@code key} as {@code actor}. A store from before keyed audit is
   * sealed now: its rows are adopted as they are (the migration, see docs/ca.md).
   */
  public void authorize(IssuerKey key, String actor) throws CaException {
    store.attach(key.auditSigner(actor));
    authorized = true;
    if (!store.sealed()) {
      if (Files.exists(layout.auditSealed())) {
        // This CA's chain was keyed before: a store without a signed head was emptied or
        // replaced, and sealing it now would vouch for whatever it holds.
        throw new CaException(store.describe() + " has no CA-signed audit chain, but this CA's chain"
            + " was keyed before (" + layout.auditSealed() + "): the store was emptied or replaced;"
            + " restore it from a backup");
      }
      store.seal(Instant.now());
      markSealed(layout);
    }
  }

  /** The file layout. */
  public CaLayout layout() {
    return layout;
  }

  /** The settings from {@code ca.json}. */
  public CaConfig config() {
    return config;
  }

  /** The certificate that signs leaves (the intermediate when there is one, else the root). */
  public X509Certificate issuerCertificate() {
    return chain.get(0);
  }

  /** The self-signed root. */
  public X509Certificate rootCertificate() {
    return chain.get(chain.size() - 1);
  }

  /** Issuing CA first, root last: what leaves append to their certificate file. */
  public List<X509Certificate> chain() {
    return chain;
  }

  /** The chain without the root: what a leaf file carries after the leaf itself. */
  public List<X509Certificate> intermediates() {
    return chain.subList(0, chain.size() - 1);
  }

  /** The durable store of issued certificates and revocations. */
  public CertificateStore store() {
    return store;
  }

  /**
   * Decrypts the issuing key.
   *
   * @throws CaException when the passphrase is wrong or the key does not match the certificate
   */
  public IssuerKey unlock(char[] passphrase) throws CaException {
    return unlock(passphrase, localActor());
  }

  /**
   * Lets the store write with {@code key} as the local actor unless a signer is already attached
   * (an issuing key obtained other than by {@link #unlock}, as benchmarks do).
   */
  public void ensureAuthorized(IssuerKey key) throws CaException {
    if (!authorized) {
      authorize(key, localActor());
    }
  }

  /** Decrypts the issuing key and lets the store write as {@code actor}. */
  public IssuerKey unlock(char[] passphrase, String actor) throws CaException {
    Path keyFile = config.intermediate() ? layout.intermediateKey() : layout.rootKey();
    IssuerKey key = IssuerKey.of(issuerCertificate(), PemFiles.readEncryptedKey(keyFile, passphrase));
    authorize(key, actor);
    return key;
  }

  @Override
  public void close() {
    store.close();
  }
}
