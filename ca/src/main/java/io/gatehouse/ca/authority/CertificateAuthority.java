package io.gatehouse.ca.authority;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.db.CertificateStore;
import io.gatehouse.ca.db.SqliteCertificateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * An initialised CA on disk: its config, its certificate chain and its store. Opening it needs no
 * passphrase (listing and revoking do not sign); {@link #unlock(char[])} decrypts the issuing key
 * for commands that sign.
 */
public final class CertificateAuthority implements AutoCloseable {
  private final CaLayout layout;
  private final CaConfig config;
  private final List<X509Certificate> chain;
  private final CertificateStore store;

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
    return new CertificateAuthority(layout, config, chain, SqliteCertificateStore.open(layout.database()));
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
    Path keyFile = config.intermediate() ? layout.intermediateKey() : layout.rootKey();
    return IssuerKey.of(issuerCertificate(), PemFiles.readEncryptedKey(keyFile, passphrase));
  }

  @Override
  public void close() {
    store.close();
  }
}
