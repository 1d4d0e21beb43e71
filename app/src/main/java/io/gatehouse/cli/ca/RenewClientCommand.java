package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CaLayout;
import io.gatehouse.ca.authority.IssuerKey;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.est.EstClient;
import io.gatehouse.ca.issue.LeafFiles;
import io.gatehouse.ca.issue.Renewer;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.random.RandomGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse renew}: EST simplereenroll over mTLS with the current certificate; no passphrase. */
@Command(name = "renew", mixinStandardHelpOptions = true,
    description = {"Renew a certificate over the network: EST simplereenroll, authenticated by the current"
        + " certificate over mutual TLS. Same identity; the CA re-checks its provisioner's current limits.",
        "Files are replaced atomically, the key first when rekeying. --exec runs a command after each renewal.",
        "--daemon renews at two thirds of each lifetime (minus up to a tenth, at random), retries with"
            + " backoff while the CA is unreachable, and gives up (exit 1) only when the certificate expires.",
        "(On the CA host, 'gatehouse ca renew' renews with the CA passphrase instead.)"})
public final class RenewClientCommand implements Callable<Integer> {
  /** First retry delay after a failed renewal; doubles up to {@link #MAX_BACKOFF}. */
  static final Duration FIRST_BACKOFF = Duration.ofSeconds(5);
  /** Longest wait between retries. */
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;

  @Option(names = "--ca", required = true, paramLabel = "URL", description = "The CA's HTTPS (EST) URL.")
  String ca;

  @Option(names = "--cert", required = true, paramLabel = "FILE", description = "The current certificate (PEM).")
  Path certificateFile;

  @Option(names = "--key", required = true, paramLabel = "FILE", description = "Its private key (PKCS#8 PEM).")
  Path keyFile;

  @Option(names = "--rekey", description = "Generate a new key pair (same type) instead of reusing the key.")
  boolean rekey;

  @Option(names = "--daemon", description = "Keep running and renew at two thirds of each lifetime.")
  boolean daemon;

  @Option(names = "--exec", paramLabel = "CMD",
      description = "Run CMD with 'sh -c' after each renewal (e.g. to signal the consumer: 'kill -HUP $(cat app.pid)').")
  String exec;

  RenewClientCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    CaLayout layout = new CaLayout(dir.dir());
    X509Certificate root = EnrollCommand.pinnedRoot(layout);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!daemon) {
      renewOnce(root, out);
      return 0;
    }
    RandomGenerator random = RandomGenerator.getDefault();
    while (true) {
      X509Certificate current = PemFiles.readCertificate(certificateFile);
      sleepUntil(Renewer.renewAt(current, random), out);
      Duration backoff = FIRST_BACKOFF;
      while (true) {
        try {
          renewOnce(root, out);
          break;
        } catch (EstClient.Refused | EstClientUsage fatal) {
          throw fatal;
        } catch (CaException e) {
          Instant now = environment.clock().instant();
          Instant expiry = current.getNotAfter().toInstant();
          if (!now.isBefore(expiry)) {
            throw new CaException("certificate " + current.getSerialNumber().toString(16) + " expired at " + expiry
                + " without renewal (last error: " + e.getMessage() + "): GIVING UP; enroll again with a new token");
          }
          Duration wait = backoff.compareTo(Duration.between(now, expiry)) < 0 ? backoff : Duration.between(now, expiry);
          err.println("gatehouse: renewal failed (" + e.getMessage() + "); retrying in " + wait.toSeconds()
              + " s (certificate expires " + expiry + ")");
          err.flush();
          Thread.sleep(Math.max(1, wait.toMillis()));
          backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
      }
    }
  }

  private void renewOnce(X509Certificate root, PrintWriter out) throws CaException, InterruptedException {
    List<X509Certificate> chain = PemFiles.readCertificates(certificateFile);
    X509Certificate current = chain.get(0);
    PrivateKey currentKey = PemFiles.readKey(keyFile);
    if (!IssuerKey.belongTogether(currentKey, current.getPublicKey())) {
      throw new EstClientUsage("the key file " + keyFile + " does not belong to " + certificateFile);
    }
    if (!environment.clock().instant().isBefore(current.getNotAfter().toInstant())) {
      throw new EstClientUsage("certificate " + certificateFile + " expired at " + current.getNotAfter().toInstant()
          + ": it cannot renew; enroll again with a new token");
    }
    KeyPair fresh = rekey ? KeyType.of(currentKey).generate() : new KeyPair(current.getPublicKey(), currentKey);
    X509Certificate renewed = new EstClient(ca, root, EstClient.presenting(currentKey, chain))
        .simpleReenroll(EstClient.reenrollCsr(current, fresh));
    List<X509Certificate> intermediates = new ArrayList<>(chain.subList(1, chain.size()));
    EstClient.checkIssued(renewed, fresh.getPublic(), intermediates, root, "the pinned root");
    // LeafFiles writes the key (when rekeying) before the certificate, each atomically.
    new LeafFiles(certificateFile, rekey ? keyFile : null, null)
        .write(renewed, intermediates, rekey ? fresh.getPrivate() : null, null);
    out.println("Renewed " + renewed.getSubjectX500Principal().getName() + ": serial "
        + renewed.getSerialNumber().toString(16) + " valid until " + renewed.getNotAfter().toInstant()
        + (rekey ? " (new key)" : ""));
    out.flush();
    if (exec != null) {
      runHook(out);
    }
  }

  private void runHook(PrintWriter out) throws InterruptedException {
    try {
      Process process = new ProcessBuilder("sh", "-c", exec).redirectErrorStream(true).start();
      process.getOutputStream().close();
      try (InputStream in = process.getInputStream()) {
        String output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        if (!output.isEmpty()) {
          out.print(output);
        }
      }
      int code = process.waitFor();
      if (code != 0) {
        spec.commandLine().getErr().println("gatehouse: --exec command exited with " + code);
      }
    } catch (IOException e) {
      spec.commandLine().getErr().println("gatehouse: cannot run the --exec command: " + e.getMessage());
    }
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

  /** A local problem no retry fixes (wrong key file, expired certificate). */
  static final class EstClientUsage extends CaException {
    private static final long serialVersionUID = 1L;

    EstClientUsage(String message) {
      super(message);
    }
  }
}
