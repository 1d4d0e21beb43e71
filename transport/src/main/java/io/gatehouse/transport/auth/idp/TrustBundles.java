package io.gatehouse.transport.auth.idp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** TLS contexts trusting only the CA certificates of a PEM file (an IdP's private CA). */
final class TrustBundles {
  private TrustBundles() {}

  /**
   * A client context trusting exactly the certificates in {@code pem}.
   *
   * @throws IOException naming the file when it holds no certificate or cannot be read
   */
  static SSLContext trusting(Path pem) throws IOException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new IOException("trust bundle " + pem + " holds no certificate");
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      int n = 0;
      for (Certificate cert : certs) {
        store.setCertificateEntry("ca-" + n++, cert);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      return tls;
    } catch (GeneralSecurityException e) {
      throw new IOException("trust bundle " + pem + ": " + e.getMessage(), e);
    }
  }
}
