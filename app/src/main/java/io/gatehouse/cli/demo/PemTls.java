package io.gatehouse.cli.demo;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.PemFiles;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A client {@link SSLContext} from the PEM files {@code gatehouse ca issue} writes: the CA chain
 * to trust and, for mutual TLS, the client's certificate chain and key. What the README's Java
 * snippet does.
 */
public final class PemTls {
  private PemTls() {}

  /**
   * Trusts the certificates in {@code trustBundle}; presents {@code certificate}/{@code key} when
   * both are given (else no client certificate, for bearer-token clients).
   */
  public static SSLContext clientContext(Path trustBundle, Path certificate, Path key)
      throws CaException, GeneralSecurityException {
    try {
      KeyStore trust = emptyStore();
      List<X509Certificate> anchors = PemFiles.readCertificates(trustBundle);
      for (int i = 0; i < anchors.size(); i++) {
        trust.setCertificateEntry("ca-" + i, anchors.get(i));
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);

      KeyManagerFactory kmf = null;
      if (certificate != null && key != null) {
        KeyStore identity = emptyStore();
        char[] none = new char[0];
        PrivateKey privateKey = PemFiles.readKey(key);
        identity.setKeyEntry("client", privateKey, none,
            PemFiles.readCertificates(certificate).toArray(X509Certificate[]::new));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(identity, none);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      return context;
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException("cannot build the key store: " + e.getMessage(), e);
    }
  }

  private static KeyStore emptyStore() throws GeneralSecurityException, java.io.IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    return store;
  }
}
