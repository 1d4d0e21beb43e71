package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.authority.Ttl;
import io.gatehouse.ca.authority.TtlPolicy;
import io.gatehouse.ca.provisioner.Provisioner;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** {@code gatehouse ca provisioner add|list|remove}: who may enroll over EST, for what. */
@Command(name = "provisioner", mixinStandardHelpOptions = true,
    description = "Manage EST provisioners: each bounds the names, roles (or DNS/IP names) and lifetime"
        + " that its enrollment tokens may get.",
    subcommands = {ProvisionerCommand.Add.class, ProvisionerCommand.ListProvisioners.class,
        ProvisionerCommand.Remove.class})
final class ProvisionerCommand implements Runnable {
  /** Default {@code --max-ttl}: the client default lifetime. */
  static final String DEFAULT_MAX_TTL = "24h";

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing provisioner command (add, list, remove)");
  }

  @Command(name = "add", mixinStandardHelpOptions = true,
      description = {"Add a provisioner (needs the CA passphrase: the row is signed into the audit chain; tokens are minted by 'ca enroll-token').",
          "Client: --role (repeat) and --name-pattern ('*' matches any run of name characters).",
          "Server: --dns-pattern ('*' matches within one DNS label) and/or --ip-pattern (CIDR)."})
  static final class Add implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec CommandSpec spec;
    @Mixin CaDirOption dir;
    @Mixin IntegrityOption integrity;

    @Option(names = "--name", required = true, description = "Provisioner name.")
    String name;

    @Option(names = "--kind", defaultValue = "client", description = "client or server (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--role", description = "A role its tokens may carry; repeat for several.")
    List<String> roles = new ArrayList<>();

    @Option(names = "--name-pattern", defaultValue = Provisioner.ANY_NAME,
        description = "Glob over client names (default: ${DEFAULT-VALUE}).")
    String namePattern;

    @Option(names = "--dns-pattern", description = "Glob over server DNS names; repeat for several.")
    List<String> dnsPatterns = new ArrayList<>();

    @Option(names = "--ip-pattern", description = "Server IP address or CIDR block; repeat for several.")
    List<String> ipPatterns = new ArrayList<>();

    @Option(names = "--max-ttl", defaultValue = DEFAULT_MAX_TTL,
        description = "Longest certificate lifetime it hands out (default: ${DEFAULT-VALUE}).")
    String maxTtl;

    Add(CliEnvironment environment) {
      this.environment = environment;
    }

    @Override
    public Integer call() throws Exception {
      Duration max = Ttl.parse(maxTtl);
      if (max.compareTo(TtlPolicy.MINIMUM) < 0) {
        throw new InvalidRequestException("--max-ttl must be at least " + Ttl.format(TtlPolicy.MINIMUM));
      }
      Provisioner provisioner = new Provisioner(name, Provisioner.Kind.parse(kind), roles, namePattern,
          dnsPatterns, ipPatterns, max).validate();
      try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
        // A provisioner row is bound by a signed audit entry (docs/ca.md): adding one takes the key.
        environment.unlock(ca);
        ca.requireIntegrity(integrity.ignore);
        ca.store().addProvisioner(provisioner, environment.clock().instant());
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println("Added " + describe(provisioner));
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List provisioners.")
  static final class ListProvisioners implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @Spec CommandSpec spec;
    @Mixin CaDirOption dir;
    @Mixin IntegrityOption integrity;

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    private final CliEnvironment environment;

    ListProvisioners(CliEnvironment environment) {
      this.environment = environment;
    }

    @Override
    public Integer call() throws CaException {
      List<Provisioner> all;
      try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
        ca.requireIntegrity(integrity.ignore);
        all = ca.store().listProvisioners();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Provisioner p : all) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("name", p.name());
          row.put("kind", p.kind().label());
          row.put("roles", p.roles());
          row.put("namePattern", p.namePattern());
          row.put("dnsPatterns", p.dnsPatterns());
          row.put("ipPatterns", p.ipPatterns());
          row.put("maxTtl", Ttl.format(p.maxTtl()));
          rows.add(row);
        }
        out.println(JSON.writeValueAsString(rows));
      } else if (all.isEmpty()) {
        out.println("No provisioners: add one with 'gatehouse ca provisioner add'.");
      } else {
        all.forEach(p -> out.println(describe(p)));
      }
      return 0;
    }
  }

  @Command(name = "remove", mixinStandardHelpOptions = true,
      description = "Remove a provisioner: its unused tokens stop working and its certificates stop renewing.")
  static final class Remove implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec CommandSpec spec;
    @Mixin CaDirOption dir;
    @Mixin IntegrityOption integrity;

    @Option(names = "--name", required = true, description = "Provisioner name.")
    String name;

    Remove(CliEnvironment environment) {
      this.environment = environment;
    }

    @Override
    public Integer call() throws CaException {
      try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
        environment.unlock(ca);
        ca.requireIntegrity(integrity.ignore);
        if (!ca.store().removeProvisioner(name, environment.clock().instant())) {
          throw new CaException("no provisioner named '" + name + "': see 'gatehouse ca provisioner list'");
        }
      }
      spec.commandLine().getOut().println("Removed provisioner " + name);
      return 0;
    }
  }

  static String describe(Provisioner p) {
    StringBuilder line = new StringBuilder(p.name()).append(" (").append(p.kind().label()).append(")");
    if (p.kind() == Provisioner.Kind.CLIENT) {
      line.append(" roles=").append(String.join(",", p.roles())).append(" name-pattern=").append(p.namePattern());
    } else {
      line.append(" dns-patterns=").append(String.join(",", p.dnsPatterns()))
          .append(" ip-patterns=").append(String.join(",", p.ipPatterns()));
    }
    return line.append(" max-ttl=").append(Ttl.format(p.maxTtl())).toString();
  }
}
