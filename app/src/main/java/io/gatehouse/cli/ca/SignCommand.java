package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.ca.issue.CertificationRequests;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.issue.LeafFiles;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca sign --csr FILE}: a client certificate for a key the client keeps. */
@Command(name = "sign", mixinStandardHelpOptions = true,
    description = {"Sign a PKCS#10 CSR as a client certificate (the client keeps its key).",
        "Only the CSR's public key and CN are used; its requested extensions are ignored.",
        "Writes <dir>/clients/<CN>.crt unless --out is given."})
final class SignCommand implements Callable<Integer> {
  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;
  @Mixin IntegrityOption integrity;

  @Option(names = "--csr", required = true, paramLabel = "FILE", description = "The CSR (PEM or DER).")
  Path csr;

  @Option(names = "--role", required = true, description = "A role; repeat for several.")
  List<String> roles = new ArrayList<>();

  @Option(names = "--ttl", paramLabel = "DURATION", description = "Lifetime (default: the CA's policy).")
  String ttl;

  @Option(names = "--out", paramLabel = "FILE", description = "Where to write the certificate.")
  Path out;

  @Option(names = "--force", description = "Replace an existing certificate file.")
  boolean force;

  SignCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    Duration lifetime = ttl == null ? null : Ttl.parse(ttl);
    try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
      CertificationRequests.VerifiedRequest request = CertificationRequests.read(csr);
      Issuer.checkClientRequest(ca.config(), request.name(), roles, lifetime);
      LeafFiles files = out == null
          ? LeafFiles.client(ca.layout(), request.name(), false, false)
          : new LeafFiles(out, null, null);
      files.preflight(force);
      Issuer issuer = new Issuer(ca, environment.unlock(ca), environment.clock());
      ca.requireIntegrity(integrity.ignore);
      X509Certificate certificate =
          issuer.issueClient(request.name(), null, roles, lifetime, request.publicKey());
      files.write(certificate, ca.intermediates(), null, null);
      IssueCommand.report(spec.commandLine().getOut(), certificate, files);
    }
    return 0;
  }
}
