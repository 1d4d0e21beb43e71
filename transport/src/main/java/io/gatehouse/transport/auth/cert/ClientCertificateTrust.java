package io.gatehouse.transport.auth.cert;

import io.netty.handler.ssl.util.TrustManagerFactoryWrapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS server's check of client certificates, at the handshake: PKIX to the trust bundle (the
 * JDK's validator: signatures, validity, basic constraints, name chaining), then EKU {@code
 * clientAuth} required on the leaf — so a certificate without it (or with only {@code
 * anyExtendedKeyUsage}) fails the handshake instead of reaching HTTP. Revocation is not checked
 * here (it would block the event loop); the revocation stage does it with a cache.
 */
public final class ClientCertificateTrust {
  /** OID of EKU {@code id-kp-clientAuth}. */
  public static final String CLIENT_AUTH_EKU = "1.3.6.1.5.5.7.3.2";

  private ClientCertificateTrust() {}

  /** Thrown at the handshake for a leaf without EKU clientAuth. */
  public static final class MissingClientAuthException extends CertificateException {
    private static final long serialVersionUID = 1L;

    MissingClientAuthException() {
      super("client certificate lacks extended key usage clientAuth");
    }
  }

  /**
   * The trust manager for the CA certificates in {@code bundle} (PEM).
   *
   * @throws IllegalArgumentException when the file cannot be read or holds no certificate
   */
  public static TrustManagerFactory forBundle(Path bundle) {
    List<X509Certificate> anchors = readBundle(bundle);
    try {
      return forAnchors(anchors);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot use trust bundle " + bundle + ": " + e.getMessage(), e);
    }
  }

  /**
   * The trust manager for the CA certificates {@code anchors} (the server calls it again with the
   * new certificates whenever the trust bundle changes on disk).
   *
   * @throws IllegalArgumentException when the JDK cannot make a PKIX trust manager of them
   */
  public static TrustManagerFactory forAnchors(List<X509Certificate> anchors) {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < anchors.size(); i++) {
        store.setCertificateEntry("ca-" + i, anchors.get(i));
      }
      TrustManagerFactory pkix = TrustManagerFactory.getInstance("PKIX");
      pkix.init(store);
      X509ExtendedTrustManager delegate = null;
      for (TrustManager tm : pkix.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          delegate = x;
        }
      }
      if (delegate == null) {
        throw new IllegalStateException("the JDK offers no PKIX X509ExtendedTrustManager");
      }
      return new TrustManagerFactoryWrapper(new ClientAuthTrustManager(delegate));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** The CA certificates in {@code bundle} (PEM), in file order. */
  public static List<X509Certificate> readBundle(Path bundle) {
    try (InputStream in = Files.newInputStream(bundle)) {
      List<X509Certificate> certs = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certs.add((X509Certificate) c);
      }
      if (certs.isEmpty()) {
        throw new IllegalArgumentException("trust bundle " + bundle + " holds no certificate");
      }
      return List.copyOf(certs);
    } catch (IOException | CertificateException e) {
      throw new IllegalArgumentException("cannot read trust bundle " + bundle + ": " + e.getMessage(), e);
    }
  }

  private static void requireClientAuth(X509Certificate[] chain) throws CertificateException {
    List<String> eku;
    try {
      eku = chain.length == 0 ? null : chain[0].getExtendedKeyUsage();
    } catch (CertificateParsingException e) {
      throw new MissingClientAuthException();
    }
    if (eku == null || !eku.contains(CLIENT_AUTH_EKU)) {
      throw new MissingClientAuthException();
    }
  }

  /** PKIX, then EKU clientAuth. Refuses to validate servers: it is a server's trust manager. */
  private static final class ClientAuthTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager pkix;

    ClientAuthTrustManager(X509ExtendedTrustManager pkix) {
      this.pkix = pkix;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      pkix.checkClientTrusted(chain, authType, engine);
      requireClientAuth(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      pkix.checkClientTrusted(chain, authType, socket);
      requireClientAuth(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      pkix.checkClientTrusted(chain, authType);
      requireClientAuth(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("a client-certificate trust manager does not check servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("a client-certificate trust manager does not check servers");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("a client-certificate trust manager does not check servers");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return ((X509TrustManager) pkix).getAcceptedIssuers();
    }
  }
}
