package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.ca.issue.Issuer;
import io.gatehouse.ca.issue.LeafFiles;
import java.io.PrintWriter;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca issue client|server}. */
@Command(name = "issue", mixinStandardHelpOptions = true,
    description = "Issue a certificate with a fresh key pair.",
    subcommands = {IssueCommand.Client.class, IssueCommand.Server.class})
final class IssueCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing kind: 'client' or 'server'");
  }

  /** Options both kinds share. */
  static final class Common {
    @Mixin CaDirOption dir;
    @Mixin IntegrityOption integrity;

    @Option(names = "--ttl", paramLabel = "DURATION", description = "Lifetime, e.g. 15m, 24h, 7d (default: the CA's policy).")
    String ttl;

    @Option(names = "--key-type", defaultValue = "ec-p256",
        description = "Key type: ec-p256, rsa-2048, rsa-3072 or ed25519 (default: ${DEFAULT-VALUE}).")
    String keyType;

    @Option(names = "--force", description = "Replace existing files of the same name.")
    boolean force;

    Duration ttl() throws CaException {
      return ttl == null ? null : Ttl.parse(ttl);
    }
  }

  /** {@code ca issue client}. */
  @Command(name = "client", mixinStandardHelpOptions = true,
      description = {"Issue a client certificate carrying roles and a SPIFFE ID.",
          "Writes <dir>/clients/<name>.crt and .key (and .p12 with --p12; its password comes from"
              + " GATEHOUSE_P12_PASSWORD or a prompt)."})
  static final class Client implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec CommandSpec spec;
    @Mixin Common common;

    @Option(names = "--name", required = true, description = "Client name (CN and SPIFFE path).")
    String name;

    @Option(names = "--role", required = true, description = "A role; repeat for several.")
    List<String> roles = new ArrayList<>();

    @Option(names = {"--org", "--organization"}, description = "Subject organization (O=).")
    String organization;

    @Option(names = "--p12", description = "Also write a PKCS#12 bundle.")
    boolean p12;

    Client(CliEnvironment environment) {
      this.environment = environment;
    }

    @Override
    public Integer call() throws Exception {
      KeyType keyType = KeyType.parse(common.keyType);
      Duration ttl = common.ttl();
      try (CertificateAuthority ca = CertificateAuthority.open(common.dir.dir(), environment.env())) {
        Issuer.checkClientRequest(ca.config(), name, roles, ttl);
        LeafFiles files = LeafFiles.client(ca.layout(), name, true, p12);
        files.preflight(common.force);
        char[] p12Password = p12 ? environment.p12Password() : null;
        try {
          Issuer issuer = new Issuer(ca, environment.unlock(ca), environment.clock());
          ca.requireIntegrity(common.integrity.ignore);
          KeyPair pair = keyType.generate();
          X509Certificate certificate = issuer.issueClient(name, organization, roles, ttl, pair.getPublic());
          files.write(certificate, ca.intermediates(), pair.getPrivate(), p12Password);
          report(spec.commandLine().getOut(), certificate, files);
        } finally {
          if (p12Password != null) {
            Arrays.fill(p12Password, '\0');
          }
        }
      }
      return 0;
    }
  }

  /** {@code ca issue server}. */
  @Command(name = "server", mixinStandardHelpOptions = true,
      description = {"Issue a TLS server certificate.",
          "Writes <dir>/servers/<first dns>.crt and .key."})
  static final class Server implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec CommandSpec spec;
    @Mixin Common common;

    @Option(names = "--dns", required = true, description = "A DNS name; repeat for several. The first is the CN.")
    List<String> dnsNames = new ArrayList<>();

    @Option(names = "--ip", description = "An IP address; repeat for several.")
    List<String> ipAddresses = new ArrayList<>();

    Server(CliEnvironment environment) {
      this.environment = environment;
    }

    @Override
    public Integer call() throws Exception {
      KeyType keyType = KeyType.parse(common.keyType);
      Duration ttl = common.ttl();
      try (CertificateAuthority ca = CertificateAuthority.open(common.dir.dir(), environment.env())) {
        Issuer.checkServerRequest(ca.config(), dnsNames, ipAddresses, ttl);
        LeafFiles files = LeafFiles.server(ca.layout(), dnsNames.get(0));
        files.preflight(common.force);
        Issuer issuer = new Issuer(ca, environment.unlock(ca), environment.clock());
        ca.requireIntegrity(common.integrity.ignore);
        KeyPair pair = keyType.generate();
        X509Certificate certificate = issuer.issueServer(dnsNames, ipAddresses, ttl, pair.getPublic());
        files.write(certificate, ca.intermediates(), pair.getPrivate(), null);
        report(spec.commandLine().getOut(), certificate, files);
      }
      return 0;
    }
  }

  /** Prints what was issued and where it went. */
  static void report(PrintWriter out, X509Certificate certificate, LeafFiles files) {
    out.println("Issued " + certificate.getSubjectX500Principal().getName()
        + " serial " + certificate.getSerialNumber().toString(16)
        + " valid until " + certificate.getNotAfter().toInstant());
    out.println("  certificate  " + files.certificate());
    if (files.key() != null) {
      out.println("  private key  " + files.key() + " (mode 0600)");
    }
    if (files.pkcs12() != null) {
      out.println("  PKCS#12      " + files.pkcs12() + " (mode 0600)");
    }
  }
}
