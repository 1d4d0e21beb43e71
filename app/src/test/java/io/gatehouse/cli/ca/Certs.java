package io.gatehouse.cli.ca;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Test helpers reading PEM with the JDK only, so the CA's own code is not used to check itself. */
public final class Certs {
  private Certs() {}

  public static List<X509Certificate> read(Path pem) throws Exception {
    try (InputStream in = Files.newInputStream(pem)) {
      List<X509Certificate> list = new ArrayList<>();
      CertificateFactory.getInstance("X.509").generateCertificates(in)
          .forEach(c -> list.add((X509Certificate) c));
      return list;
    }
  }

  /** Validates {@code chain} (leaf first) against {@code root} with the JDK's PKIX validator. */
  public static void validate(List<X509Certificate> chain, X509Certificate root) throws Exception {
    CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
    PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    parameters.setRevocationEnabled(false);
    CertPathValidator.getInstance("PKIX").validate(path, parameters);
  }

  /**
   * The JDK's TLS presenting {@code dir/clients/<name>.crt} and its key, trusting {@code
   * dir/ca/root.crt}.
   */
  public static javax.net.ssl.SSLContext clientTls(Path dir, String name) throws Exception {
    List<X509Certificate> chain = read(dir.resolve("clients/" + name + ".crt"));
    java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("me", readKey(dir.resolve("clients/" + name + ".key")),
        "pw".toCharArray(), chain.toArray(java.security.cert.Certificate[]::new));
    javax.net.ssl.KeyManagerFactory keyManagers = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
    keyManagers.init(keys, "pw".toCharArray());
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("root", read(dir.resolve("ca/root.crt")).get(0));
    javax.net.ssl.TrustManagerFactory trustManagers = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
    trustManagers.init(trust);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
    return context;
  }

  /** An unencrypted PKCS#8 PEM key ({@code PRIVATE KEY}), EC or RSA, read with the JDK. */
  public static java.security.PrivateKey readKey(Path pem) throws Exception {
    String text = Files.readString(pem);
    String base64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    java.security.spec.PKCS8EncodedKeySpec spec =
        new java.security.spec.PKCS8EncodedKeySpec(java.util.Base64.getDecoder().decode(base64));
    try {
      return java.security.KeyFactory.getInstance("EC").generatePrivate(spec);
    } catch (java.security.spec.InvalidKeySpecException notEc) {
      return java.security.KeyFactory.getInstance("RSA").generatePrivate(spec);
    }
  }

  /** Writes {@code chain} as PEM certificates and {@code key} as unencrypted PKCS#8 PEM (test files). */
  public static void write(Path certificateFile, Path keyFile, List<X509Certificate> chain,
      java.security.PrivateKey key) throws Exception {
    StringBuilder pem = new StringBuilder();
    java.util.Base64.Encoder base64 = java.util.Base64.getMimeEncoder(64, new byte[] {'\n'});
    for (X509Certificate certificate : chain) {
      pem.append("-----BEGIN CERTIFICATE-----\n").append(base64.encodeToString(certificate.getEncoded()))
          .append("\n-----END CERTIFICATE-----\n");
    }
    Files.createDirectories(certificateFile.getParent());
    Files.writeString(certificateFile, pem);
    Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n" + base64.encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n");
  }
}
