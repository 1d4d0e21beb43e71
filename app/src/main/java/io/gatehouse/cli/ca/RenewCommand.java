package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.issue.LeafFiles;
import io.gatehouse.ca.issue.Renewer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.random.RandomGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca renew}: same identity, new validity; optionally forever (--daemon). */
@Command(name = "renew", mixinStandardHelpOptions = true,
    description = {"Renew a current, unrevoked certificate: same name and roles (or DNS/IP names), new"
        + " validity, files replaced atomically.",
        "--daemon sleeps until two thirds of the lifetime (minus up to a tenth, at random), renews,"
            + " and repeats until stopped; the CA key stays unlocked in its memory."})
final class RenewCommand implements Callable<Integer> {
  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;

  @Option(names = "--cert", required = true, paramLabel = "FILE", description = "The current certificate (PEM).")
  Path certificateFile;

  @Option(names = "--key", required = true, paramLabel = "FILE", description = "Its private key (PKCS#8 PEM).")
  Path keyFile;

  @Option(names = "--rekey", description = "Generate a new key pair (same type) instead of reusing the key.")
  boolean rekey;

  @Option(names = "--daemon", description = "Keep running and renew at two thirds of each lifetime.")
  boolean daemon;

  RenewCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
      Issuer issuer = new Issuer(ca, environment.unlock(ca), environment.clock());
      Renewer renewer = new Renewer(ca, issuer, environment.clock());
      PrintWriter out = spec.commandLine().getOut();
      do {
        X509Certificate current = PemFiles.readCertificate(certificateFile);
        if (daemon) {
          sleepUntil(Renewer.renewAt(current, RandomGenerator.getDefault()), out);
        }
        renewOnce(ca, renewer, current, out);
      } while (daemon);
    }
    return 0;
  }

  private void renewOnce(CertificateAuthority ca, Renewer renewer, X509Certificate current, PrintWriter out)
      throws CaException {
    PrivateKey currentKey = PemFiles.readKey(keyFile);
    KeyPair fresh = rekey ? KeyType.of(currentKey).generate() : null;
    X509Certificate renewed = renewer.renew(current, currentKey,
        fresh == null ? current.getPublicKey() : fresh.getPublic());
    new LeafFiles(certificateFile, fresh == null ? null : keyFile, null)
        .write(renewed, ca.intermediates(), fresh == null ? null : fresh.getPrivate(), null);
    out.println("Renewed " + renewed.getSubjectX500Principal().getName() + ": serial "
        + renewed.getSerialNumber().toString(16) + " valid until " + renewed.getNotAfter().toInstant()
        + (fresh == null ? "" : " (new key)"));
    out.flush();
  }

  private void sleepUntil(Instant when, PrintWriter out) throws InterruptedException {
    Duration wait = Duration.between(environment.clock().instant(), when);
    if (!wait.isNegative()) {
      out.println("Next renewal at " + when);
      out.flush();
      Thread.sleep(wait.toMillis());
    }
  }
}
