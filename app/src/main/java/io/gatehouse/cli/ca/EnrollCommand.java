package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CaLayout;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.est.EnrollmentTokens;
import io.gatehouse.ca.est.EstClient;
import io.gatehouse.ca.issue.LeafFiles;
import io.gatehouse.ca.provisioner.Provisioner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse enroll}: EST simpleenroll with a one-time token; the key is made here. */
@Command(name = "enroll", mixinStandardHelpOptions = true,
    description = {"Enroll with the CA over EST (simpleenroll) using a one-time enrollment token. The key"
        + " pair is generated here and never leaves this machine (key file mode 0600).",
        "Trusts <dir>/ca/root.crt from 'gatehouse bootstrap'. Writes <dir>/clients/<name>.crt and .key"
            + " (servers: <dir>/servers/<dns>.crt and .key).",
        "The token may also come from the environment variable " + EnrollCommand.TOKEN_ENV + "."})
public final class EnrollCommand implements Callable<Integer> {
  /** Where the token comes from when --token is absent (keeps it out of the process list). */
  static final String TOKEN_ENV = "GATEHOUSE_ENROLL_TOKEN";

  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;

  @Option(names = "--ca", required = true, paramLabel = "URL", description = "The CA's HTTPS (EST) URL.")
  String ca;

  @Option(names = "--token", paramLabel = "TOKEN", description = "The enrollment token (else $" + TOKEN_ENV + ").")
  String token;

  @Option(names = "--key-type", defaultValue = "ec-p256",
      description = "ec-p256, rsa-2048, rsa-3072 or ed25519 (default: ${DEFAULT-VALUE}).")
  String keyType;

  @Option(names = "--p12", description = "Also write a PKCS#12 bundle (password from GATEHOUSE_P12_PASSWORD).")
  boolean p12;

  @Option(names = "--force", description = "Replace existing files.")
  boolean force;

  EnrollCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    String bearer = token != null ? token : environment.env().get(TOKEN_ENV);
    if (bearer == null || bearer.isBlank()) {
      throw new InvalidRequestException("no enrollment token: pass --token or set " + TOKEN_ENV);
    }
    bearer = bearer.strip();
    EnrollmentTokens.Claims claims = EnrollmentTokens.peek(bearer);
    KeyType type = KeyType.parse(keyType);
    CaLayout layout = new CaLayout(dir.dir());
    X509Certificate root = pinnedRoot(layout);
    boolean server = claims.kind() == Provisioner.Kind.SERVER;
    if (server && p12) {
      throw new InvalidRequestException("--p12 is for client certificates");
    }
    LeafFiles files = server ? LeafFiles.server(layout, claims.name()) : LeafFiles.client(layout, claims.name(), true, p12);
    files.preflight(force);
    char[] password = p12 ? environment.p12Password() : null;
    try {
      KeyPair key = type.generate();
      EstClient client = new EstClient(ca, root, null);
      X509Certificate issued = client.simpleEnroll(EstClient.csr(claims.name(), key), bearer);
      List<X509Certificate> intermediates = intermediates(layout, client, root);
      EstClient.checkIssued(issued, key.getPublic(), intermediates, root, "the pinned root");
      files.write(issued, intermediates, key.getPrivate(), password);
      spec.commandLine().getOut().println("Enrolled " + issued.getSubjectX500Principal().getName() + ": serial "
          + issued.getSerialNumber().toString(16) + " valid until " + issued.getNotAfter().toInstant()
          + "; wrote " + files.certificate() + " and " + files.key() + (p12 ? " and " + files.pkcs12() : ""));
    } finally {
      if (password != null) {
        Arrays.fill(password, '\0');
      }
    }
    return 0;
  }

  static X509Certificate pinnedRoot(CaLayout layout) throws CaException {
    Path root = layout.rootCertificate();
    if (!Files.isRegularFile(root)) {
      throw new CaException("no pinned root at " + root + ": run 'gatehouse bootstrap --ca URL --fingerprint SHA256'"
          + " first (or pass --dir)");
    }
    return PemFiles.readCertificate(root);
  }

  /** The chain between leaf and root: chain.pem from bootstrap, else cacerts (pinned). */
  private static List<X509Certificate> intermediates(CaLayout layout, EstClient client, X509Certificate root)
      throws CaException {
    List<X509Certificate> chain = Files.isRegularFile(layout.chain())
        ? PemFiles.readCertificates(layout.chain()) : client.cacerts();
    return chain.stream().filter(c -> !c.equals(root)).toList();
  }
}
