package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.authority.SecureFiles;
import io.gatehouse.ca.crl.CrlBuilder;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca crl}: signs a fresh CRL. */
@Command(name = "crl", mixinStandardHelpOptions = true,
    description = {"Sign a CRL of every revoked, unexpired certificate (valid 24h, CRL number from the store).",
        "Written to <dir>/ca/crl.der (crl.pem with --pem) unless --out is given."})
final class CrlCommand implements Callable<Integer> {
  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;
  @Mixin IntegrityOption integrity;

  @Option(names = "--out", paramLabel = "FILE", description = "Output file.")
  Path out;

  @Option(names = "--pem", description = "Write PEM instead of DER.")
  boolean pem;

  CrlCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
      Path target = out == null ? ca.layout().crl(pem) : out;
      SecureFiles.ensureDirectory(target.toAbsolutePath().getParent());
      var issuerKey = environment.unlock(ca);
      ca.requireIntegrity(integrity.ignore);
      X509CRL crl = CrlBuilder.build(ca.store(), issuerKey,
          environment.clock().instant(), CrlBuilder.VALIDITY);
      SecureFiles.writePublic(target, pem ? PemFiles.encode(crl) : crl.getEncoded());
      spec.commandLine().getOut().println("Wrote CRL (" + (crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size())
          + " revoked) to " + target + ", next update " + crl.getNextUpdate().toInstant());
    }
    return 0;
  }
}
