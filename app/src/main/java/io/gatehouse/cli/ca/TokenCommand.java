package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.PemFiles;
import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.ca.token.JwtSigningKey;
import io.gatehouse.ca.token.TokenMinter;
import java.nio.file.Path;
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
import picocli.CommandLine.Spec;

/** {@code gatehouse token}: prints a JWT for a client that cannot hold a certificate. */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = {"Mint a JWT signed by the CA's JWT key (created on first use; public keys in"
        + " <dir>/ca/jwks.json and at 'ca serve' /jwks.json). Prints the token only."})
public final class TokenCommand implements Callable<Integer> {
  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;

  @Option(names = "--name", required = true, description = "Client name; sub is its SPIFFE ID.")
  String name;

  @Option(names = "--role", required = true, description = "A role; repeat for several.")
  List<String> roles = new ArrayList<>();

  @Option(names = "--ttl", paramLabel = "DURATION", description = "Lifetime (default 15m, at most 1h unless ca.json says otherwise).")
  String ttl;

  // Optional (the CLI contract in docs/contracts.md); the default is the example server's URL. It is no
  // longer a shared default on the server side: a server with JWT on must name its own
  // auth.resource, so this token is accepted only where that exact URL was configured.
  @Option(names = "--aud", paramLabel = "URL",
      description = "Audience: the MCP server's resource URL, its auth.resource (default "
          + TokenMinter.DEFAULT_AUDIENCE + ").")
  String audience;

  @Option(names = "--cnf", paramLabel = "CERTFILE", description = "Bind the token to this client certificate (RFC 8705 cnf.x5t#S256).")
  Path boundCertificate;

  TokenCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    Duration lifetime = ttl == null ? null : Ttl.parse(ttl);
    if (audience == null) {
      audience = TokenMinter.DEFAULT_AUDIENCE;
      spec.commandLine().getErr().println("note: no --aud given; audience " + audience
          + " (accepted only by a server whose auth.resource is exactly that URL)");
    }
    try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
      TokenMinter.check(ca.config(), name, roles, lifetime, audience);
      X509Certificate bound = boundCertificate == null ? null : PemFiles.readCertificate(boundCertificate);
      char[] passphrase = environment.caPassphrase(false);
      JwtSigningKey key;
      try {
        key = JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase);
      } finally {
        Arrays.fill(passphrase, '\0');
      }
      spec.commandLine().getOut().println(new TokenMinter(key, ca.config())
          .mint(name, roles, lifetime, audience, bound, environment.clock().instant()));
    }
    return 0;
  }
}
