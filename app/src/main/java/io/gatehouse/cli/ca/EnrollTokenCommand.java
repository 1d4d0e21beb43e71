package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.ca.est.EnrollmentTokens;
import io.gatehouse.ca.provisioner.Provisioner;
import io.gatehouse.ca.token.JwtSigningKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca enroll-token}: a one-time EST enrollment token, printed on stdout. */
@Command(name = "enroll-token", mixinStandardHelpOptions = true,
    description = {"Mint a one-time EST enrollment token bound to a provisioner, a name and a subset of"
        + " its roles (default: all of them). Signed with the CA's JWT key (needs the passphrase).",
        "The token is a bearer secret until used: hand it over as you would a password.",
        "Server provisioners: --name is the first DNS name; --dns and --ip add more."})
final class EnrollTokenCommand implements Callable<Integer> {
  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;
  @Mixin IntegrityOption integrity;

  @Option(names = "--provisioner", required = true, description = "The provisioner.")
  String provisioner;

  @Option(names = "--name", required = true, description = "Client name (or a server's first DNS name).")
  String name;

  @Option(names = "--role", description = "A role (a subset of the provisioner's); repeat for several.")
  List<String> roles = new ArrayList<>();

  @Option(names = "--dns", description = "Another DNS name for a server; repeat for several.")
  List<String> dns = new ArrayList<>();

  @Option(names = "--ip", description = "An IP address for a server; repeat for several.")
  List<String> ips = new ArrayList<>();

  @Option(names = "--ttl", paramLabel = "DURATION", description = "Token lifetime, 1m to 24h (default: 10m).")
  String ttl;

  EnrollTokenCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    Duration lifetime = ttl == null ? null : Ttl.parse(ttl);
    Instant now = environment.clock().instant();
    try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
      // The provisioner's limits decide what the token may ask for: read them only from a verified store.
      ca.requireIntegrity(integrity.ignore);
      Provisioner p = ca.store().findProvisioner(provisioner).orElseThrow(() -> new CaException(
          "no provisioner named '" + provisioner + "': add it with 'gatehouse ca provisioner add'"));
      EnrollmentTokens.Claims claims = EnrollmentTokens.check(p, name, roles, dns, ips, lifetime, now);
      char[] passphrase = environment.caPassphrase(false);
      JwtSigningKey key;
      try {
        key = JwtSigningKey.loadOrCreate(ca.layout(), ca.config(), passphrase);
      } finally {
        Arrays.fill(passphrase, '\0');
      }
      spec.commandLine().getOut().println(new EnrollmentTokens(key, ca.config()).mint(claims, now));
    }
    return 0;
  }
}
