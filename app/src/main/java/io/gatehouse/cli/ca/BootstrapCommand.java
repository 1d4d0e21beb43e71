package io.gatehouse.cli.ca;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CaLayout;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.authority.SecureFiles;
import io.gatehouse.ca.est.EstClient;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse bootstrap}: fetch the CA chain over EST and pin the root by its fingerprint. */
@Command(name = "bootstrap", mixinStandardHelpOptions = true,
    description = {"Fetch the CA's chain (EST cacerts) and pin its root by the SHA-256 fingerprint you"
        + " were given out of band (like 'step ca bootstrap'). No passphrase needed.",
        "Writes <dir>/ca/root.crt and <dir>/ca/chain.pem (issuing CA first), which 'enroll' and"
            + " 'renew' trust."})
public final class BootstrapCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;

  @Option(names = "--ca", required = true, paramLabel = "URL", description = "The CA's HTTPS (EST) URL.")
  String ca;

  @Option(names = "--fingerprint", required = true, paramLabel = "SHA256",
      description = "SHA-256 fingerprint of the root certificate (hex, colons optional).")
  String fingerprint;

  @Override
  public Integer call() throws Exception {
    String expected = EstClient.normaliseFingerprint(fingerprint);
    CaLayout layout = new CaLayout(dir.dir());
    if (Files.exists(layout.config())) {
      throw new CaException(layout.caDir() + " holds a CA: bootstrap a client into another --dir");
    }
    List<X509Certificate> offered = EstClient.cacertsUnverified(ca);
    X509Certificate root = null;
    for (X509Certificate candidate : offered) {
      if (MessageDigest.isEqual(EstClient.fingerprint(candidate).getBytes(StandardCharsets.US_ASCII),
          expected.getBytes(StandardCharsets.US_ASCII))) {
        root = candidate;
      }
    }
    if (root == null) {
      throw new CaException("no certificate from " + ca + " has fingerprint " + expected
          + ": wrong CA, wrong fingerprint, or someone in between; nothing was written");
    }
    try {
      root.verify(root.getPublicKey());
    } catch (Exception e) {
      throw new CaException("the certificate with that fingerprint is not a self-signed root");
    }
    // Pinned from here on: fetch again with TLS verified against the root (and the hostname checked).
    List<X509Certificate> chain = new EstClient(ca, root, null).cacerts();
    List<X509Certificate> ordered = order(chain, root);
    if (Files.exists(layout.rootCertificate())) {
      X509Certificate existing = PemFiles.readCertificate(layout.rootCertificate());
      if (!existing.equals(root)) {
        throw new CaException(layout.rootCertificate() + " pins a different root: remove it to re-bootstrap");
      }
    }
    SecureFiles.writePublic(layout.rootCertificate(), PemFiles.encode(root));
    SecureFiles.writePublic(layout.chain(), PemFiles.encode(ordered.toArray()));
    PrintWriter out = spec.commandLine().getOut();
    out.println("Pinned root " + root.getSubjectX500Principal().getName() + " (SHA-256 " + expected + ")");
    out.println("Wrote " + layout.rootCertificate() + " and " + layout.chain());
    return 0;
  }

  /** Issuing CA first, root last; every other certificate must chain to the pinned root. */
  private static List<X509Certificate> order(List<X509Certificate> chain, X509Certificate root) throws CaException {
    List<X509Certificate> ordered = new ArrayList<>();
    for (X509Certificate certificate : chain) {
      if (certificate.equals(root)) {
        continue;
      }
      try {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
            CertificateFactory.getInstance("X.509").generateCertPath(List.of(certificate)), parameters);
      } catch (Exception e) {
        throw new CaException("the CA offered " + certificate.getSubjectX500Principal().getName()
            + ", which does not chain to the pinned root");
      }
      ordered.add(certificate);
    }
    if (!chain.contains(root)) {
      throw new CaException("the pinned CA no longer offers the root it was pinned by");
    }
    ordered.add(root);
    return ordered;
  }
}
