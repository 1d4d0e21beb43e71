package io.gatehouse.bench.support;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.PemFiles;
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

/** JSSE contexts from the PEM files the Gatehouse CA writes (for the e2e client and Jetty). */
public final class PemSsl {
  private PemSsl() {}

  /**
   * A TLS 1.3 context presenting {@code certificatePem}/{@code keyPem} and trusting the CAs in
   * {@code trustBundle}.
   */
  public static SSLContext context(Path certificatePem, Path keyPem, Path trustBundle) {
    try {
      KeyStore trusted = KeyStore.getInstance("PKCS12");
      trusted.load(null, null);
      int i = 0;
      for (X509Certificate ca : PemFiles.readCertificates(trustBundle)) {
        trusted.setCertificateEntry("ca-" + i++, ca);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trusted);
      SSLContext context = SSLContext.getInstance("TLSv1.3");
      context.init(new KeyManager[] {keyManager(certificatePem, keyPem)}, tmf.getTrustManagers(), null);
      return context;
    } catch (CaException | GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot build a TLS context from " + certificatePem + ": " + e.getMessage(), e);
    }
  }

  /** A key manager presenting {@code certificatePem} (chain, leaf first) with {@code keyPem}. */
  public static X509ExtendedKeyManager keyManager(Path certificatePem, Path keyPem) {
    try {
      List<X509Certificate> chain = PemFiles.readCertificates(certificatePem);
      PrivateKey key = PemFiles.readKey(keyPem);
      char[] password = "in-memory".toCharArray();
      KeyStore identity = KeyStore.getInstance("PKCS12");
      identity.load(null, null);
      identity.setKeyEntry("identity", key, password, chain.toArray(X509Certificate[]::new));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(identity, password);
      return (X509ExtendedKeyManager) kmf.getKeyManagers()[0];
    } catch (CaException | GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot load " + certificatePem + ": " + e.getMessage(), e);
    }
  }
}
