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
}
