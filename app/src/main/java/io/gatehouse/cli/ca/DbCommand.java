package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CaConfig;
import io.gatehouse.ca.authority.CaLayout;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.db.CertificateStore;
import io.gatehouse.ca.db.IntegrityReport;
import io.gatehouse.ca.db.PostgresCertificateStore;
import io.gatehouse.ca.db.StoreLocation;
import io.gatehouse.ca.db.StoreSnapshot;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca db migrate | copy}: the PostgreSQL store's schema and moving a CA onto it. */
@Command(name = "db", mixinStandardHelpOptions = true,
    description = "Manage the CA's PostgreSQL store (the database password comes from"
        + " GATEHOUSE_CA_DB_PASSWORD or the 0600 file named by GATEHOUSE_CA_DB_PASSWORD_FILE).",
    subcommands = {DbCommand.Migrate.class, DbCommand.Copy.class})
final class DbCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing db command: 'migrate' or 'copy'");
  }

  /** {@code ca db migrate [--store URL]}. */
  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = {"Apply the PostgreSQL schema migrations (Flyway). The only command that changes"
          + " the schema: run it once before 'ca init --store' or 'ca db copy', and after an upgrade,"
          + " never from several nodes at once.",
          "The database is --store, else the one ca.json names."})
  static final class Migrate implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec CommandSpec spec;
    @Mixin CaDirOption dir;

    @Option(names = "--store", paramLabel = "URL", description = "postgresql://[user@]host[:port]/database[?sslmode=...]")
    String store;

    Migrate(CliEnvironment environment) {
      this.environment = environment;
    }

    @Override
    public Integer call() throws Exception {
      String url = store;
      if (url == null) {
        CaLayout layout = new CaLayout(dir.dir());
        CaConfig config = java.nio.file.Files.isRegularFile(layout.config()) ? CaConfig.read(layout.config()) : null;
        if (config == null || config.store() == null) {
          throw new InvalidRequestException("no PostgreSQL store to migrate: give --store postgresql://host:5432/db"
              + " (the embedded SQLite store upgrades itself)");
        }
        url = config.store();
      }
      StoreLocation location = StoreLocation.parse(url);
      int applied = PostgresCertificateStore.migrate(location, environment.env());
      spec.commandLine().getOut().println(applied == 0
          ? "CA store " + location.url() + " is up to date"
          : "Applied " + applied + " migration(s) to " + location.url());
      return 0;
    }
  }

  /** {@code ca db copy --to URL}. */
  @Command(name = "copy", mixinStandardHelpOptions = true,
      description = {"Copy this CA's store — certificates, revocations, the signed audit chain and the"
          + " CRL number — into a migrated, empty PostgreSQL database, verify the copy, and switch ca.json"
          + " to it. The old store is kept as it was (a backup).",
          "Stop 'ca serve' first: writes made during the copy would stay behind."})
  static final class Copy implements Callable<Integer> {
    private final CliEnvironment environment;

    @Spec CommandSpec spec;
    @Mixin CaDirOption dir;
    @Mixin IntegrityOption integrity;

    @Option(names = "--to", required = true, paramLabel = "URL", description = "postgresql://[user@]host[:port]/database[?sslmode=...]")
    String to;

    Copy(CliEnvironment environment) {
      this.environment = environment;
    }

    @Override
    public Integer call() throws Exception {
      StoreLocation location = StoreLocation.parse(to);
      PrintWriter out = spec.commandLine().getOut();
      try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
        if (location.url().equals(ca.config().store())) {
          throw new InvalidRequestException("the CA already uses " + location.url());
        }
        ca.requireIntegrity(integrity.ignore);
        StoreSnapshot everything = ca.store().snapshot(1);
        try (CertificateStore target = PostgresCertificateStore.open(location, environment.env())) {
          target.importAll(everything);
          IntegrityReport report = target.verify(ca.headVerifier());
          ca.config().withStore(location.url()).write(ca.layout().config());
          out.println("Copied " + report.certificates() + " certificates, " + report.entries()
              + " audit entries and CRL number " + report.crlNumber() + " from " + ca.store().describe()
              + " to " + location.url() + "; the copy verifies (head entry " + report.headSeq() + ")");
          out.println("ca.json now uses " + location.url() + "; the old store is left as it was");
        } catch (CaException e) {
          throw new CaException("copy to " + location.url() + " failed, ca.json unchanged: " + e.getMessage(), e);
        }
      }
      return 0;
    }
  }
}
