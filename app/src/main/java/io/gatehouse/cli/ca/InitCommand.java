package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.authority.CaConfig;
import io.gatehouse.ca.authority.CaInitializer;
import io.gatehouse.ca.authority.CaLayout;
import io.gatehouse.ca.authority.KeyType;
import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.pki.identity.SpiffeId;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca init}: creates the root (and optional intermediate) CA. */
@Command(name = "init", mixinStandardHelpOptions = true,
    description = {"Create a new CA: root key and certificate, optional intermediate, store and config.",
        "The CA passphrase comes from GATEHOUSE_CA_PASSPHRASE or is prompted for (twice)."})
final class InitCommand implements Callable<Integer> {
  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;

  @Option(names = "--name", defaultValue = "Gatehouse Root CA", description = "Root CA common name (default: ${DEFAULT-VALUE}).")
  String name;

  @Option(names = "--trust-domain", defaultValue = SpiffeId.DEFAULT_TRUST_DOMAIN,
      description = "SPIFFE trust domain of client identities (default: ${DEFAULT-VALUE}).")
  String trustDomain;

  @Option(names = "--key-type", defaultValue = "ec-p256",
      description = "CA key type: ec-p256, rsa-2048, rsa-3072 or ed25519 (default: ${DEFAULT-VALUE}).")
  String keyType;

  @Option(names = "--intermediate", description = "Issue leaves from an intermediate; the root key can then be kept offline.")
  boolean intermediate;

  @Option(names = "--ocsp-url", paramLabel = "URL", description = "OCSP responder URL written into every leaf (AIA).")
  String ocspUrl;

  @Option(names = "--crl-url", paramLabel = "URL", description = "CRL URL written into every leaf (CDP).")
  String crlUrl;

  @Option(names = "--client-ttl", defaultValue = CaConfig.DEFAULT_CLIENT_TTL, description = "Default client lifetime (default: ${DEFAULT-VALUE}).")
  String clientTtl;

  @Option(names = "--max-client-ttl", defaultValue = CaConfig.DEFAULT_CLIENT_MAX_TTL, description = "Longest client lifetime (default: ${DEFAULT-VALUE}).")
  String clientMaxTtl;

  @Option(names = "--server-ttl", defaultValue = CaConfig.DEFAULT_SERVER_TTL, description = "Default server lifetime (default: ${DEFAULT-VALUE}).")
  String serverTtl;

  @Option(names = "--max-server-ttl", defaultValue = CaConfig.DEFAULT_SERVER_MAX_TTL, description = "Longest server lifetime (default: ${DEFAULT-VALUE}).")
  String serverMaxTtl;

  @Option(names = "--issuer", paramLabel = "URL", description = "The iss of JWTs from 'gatehouse token' (default: https://<trust-domain>).")
  String issuer;

  @Option(names = "--jwt-alg", defaultValue = "ES256", description = "JWT signing algorithm: ES256, RS256 or EdDSA (default: ${DEFAULT-VALUE}).")
  String jwtAlgorithm;

  @Option(names = "--store", paramLabel = "URL",
      description = {"Keep the store in PostgreSQL: postgresql://[user@]host[:port]/database[?sslmode=verify-full&sslrootcert=FILE]"
          + " (recorded in ca.json without credentials; password from GATEHOUSE_CA_DB_PASSWORD or"
          + " GATEHOUSE_CA_DB_PASSWORD_FILE). Run 'gatehouse ca db migrate --store URL' first. Default: <dir>/ca/ca.db (SQLite)."})
  String store;

  @Option(names = "--force", description = "Replace an existing CA (its directory is moved aside, not deleted).")
  boolean force;

  InitCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    CaInitializer.Options options = new CaInitializer.Options(dir.dir(), name, trustDomain,
        KeyType.parse(keyType), intermediate, ocspUrl, crlUrl, Ttl.parse(clientTtl),
        Ttl.parse(clientMaxTtl), Ttl.parse(serverTtl), Ttl.parse(serverMaxTtl), issuer, jwtAlgorithm,
        force);
    char[] passphrase = environment.caPassphrase(true);
    Path movedAside;
    try {
      movedAside = CaInitializer.init(options, passphrase, environment.clock().instant(), store,
          environment.env());
    } finally {
      Arrays.fill(passphrase, '\0');
    }
    CaLayout layout = new CaLayout(dir.dir());
    PrintWriter out = spec.commandLine().getOut();
    if (movedAside != null) {
      out.println("Moved the previous CA to " + movedAside);
    }
    out.println("Created CA '" + name + "' (" + keyType + ", trust domain " + trustDomain + ") in " + layout.caDir());
    out.println("  root certificate  " + layout.rootCertificate());
    out.println("  root key          " + layout.rootKey() + " (encrypted, mode 0600)");
    if (intermediate) {
      out.println("  intermediate      " + layout.intermediateCertificate() + " (issues leaves; keep root.key offline)");
    }
    out.println("  trust chain       " + layout.chain());
    out.println("  store             " + (store == null ? layout.database()
        : io.gatehouse.ca.db.StoreLocation.parse(store).url()));
    return 0;
  }
}
