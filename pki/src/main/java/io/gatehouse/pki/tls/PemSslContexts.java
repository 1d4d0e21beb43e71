package io.gatehouse.pki.tls;

import io.gatehouse.pki.PkiException;
import io.gatehouse.pki.pem.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * {@link SSLContext}s from the PEM files {@code gatehouse ca issue} writes: the CA certificates to
 * trust and, for mutual TLS, a certificate chain (leaf first) with its PKCS#8 key. Used by the
 * demo, the benchmarks and the tests, so there is one way to turn PEM into JSSE.
 */
public final class PemSslContexts {
  private PemSslContexts() {}

  /**
   * Trusts the certificates in {@code trustBundle}; presents {@code certificatePem}/{@code keyPem}
   * when both are given (else no certificate: a bearer-token client, or a server-less trust).
   */
  public static SSLContext fromPem(Path trustBundle, Path certificatePem, Path keyPem)
      throws GeneralSecurityException {
    boolean presents = certificatePem != null && keyPem != null;
    return of(read(trustBundle), presents ? read(certificatePem) : null,
        presents ? readKey(keyPem) : null);
  }

  /** Trusts {@code trusted}; presents {@code chain} with {@code key} unless they are null. */
  public static SSLContext of(List<X509Certificate> trusted, List<X509Certificate> chain,
      PrivateKey key) throws GeneralSecurityException {
    return of(trusted,
        chain == null || key == null ? null : new KeyManager[] {keyManager(chain, key)});
  }

  /** Trusts {@code trusted}; presents what {@code keyManagers} choose (null: nothing). */
  public static SSLContext of(List<X509Certificate> trusted, KeyManager[] keyManagers)
      throws GeneralSecurityException {
    KeyStore anchors = emptyStore();
    for (int i = 0; i < trusted.size(); i++) {
      anchors.setCertificateEntry("ca-" + i, trusted.get(i));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(anchors);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers, tmf.getTrustManagers(), null);
    return context;
  }

  /** A key manager presenting {@code certificatePem} (chain, leaf first) with {@code keyPem}. */
  public static X509ExtendedKeyManager keyManager(Path certificatePem, Path keyPem)
      throws GeneralSecurityException {
    return keyManager(read(certificatePem), readKey(keyPem));
  }

  /** A key manager presenting {@code chain} (leaf first) with {@code key}. */
  public static X509ExtendedKeyManager keyManager(List<X509Certificate> chain, PrivateKey key)
      throws GeneralSecurityException {
    // The store lives only in memory; PKCS12 still wants a password for the key entry.
    char[] password = "in-memory".toCharArray();
    KeyStore identity = emptyStore();
    identity.setKeyEntry("identity", key, password, chain.toArray(X509Certificate[]::new));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(identity, password);
    return (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
  }

  private static List<X509Certificate> read(Path pem) throws GeneralSecurityException {
    try {
      return PemFiles.readCertificates(pem);
    } catch (PkiException e) {
      throw new GeneralSecurityException("cannot read certificates from " + pem + ": "
          + e.getMessage(), e);
    }
  }

  private static PrivateKey readKey(Path pem) throws GeneralSecurityException {
    try {
      return PemFiles.readKey(pem);
    } catch (PkiException e) {
      throw new GeneralSecurityException("cannot read the key " + pem + ": " + e.getMessage(), e);
    }
  }

  private static KeyStore emptyStore() throws GeneralSecurityException {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      return store;
    } catch (IOException e) {
      throw new GeneralSecurityException("cannot create an in-memory key store", e);
    }
  }
}
