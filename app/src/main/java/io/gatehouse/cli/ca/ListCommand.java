package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.CertificateStatus;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** {@code gatehouse ca list}: every certificate the store knows. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = "List issued certificates: serial, kind, subject, roles, validity, status.")
final class ListCommand implements Callable<Integer> {
  private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;
  @Mixin IntegrityOption integrity;

  @Option(names = "--json", description = "Print a JSON array.")
  boolean json;

  @Option(names = "--status", paramLabel = "STATUS", description = "Only valid, revoked or expired certificates.")
  String status;

  ListCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  /**
   * One row of the listing (and one object of {@code --json}).
   *
   * @param serial lowercase hex serial
   * @param kind client, server or ocsp-signing
   * @param subject subject DN
   * @param roles roles from the roles extension
   * @param notBefore start of validity (ISO-8601)
   * @param notAfter end of validity (ISO-8601)
   * @param status valid, revoked or expired
   * @param revokedAt revocation time (ISO-8601) or null
   * @param revocationReason RFC 5280 reason name or null
   */
  record Entry(String serial, String kind, String subject, List<String> roles, String notBefore,
      String notAfter, String status, String revokedAt, String revocationReason) {}

  @Override
  public Integer call() throws Exception {
    CertificateStatus wanted = parseStatus(status);
    Instant now = environment.clock().instant();
    List<Entry> entries = new ArrayList<>();
    try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
      ca.requireIntegrity(integrity.ignore);
      for (CertificateRecord record : ca.store().list()) {
        CertificateStatus current = record.status(now);
        if (wanted == null || wanted == current) {
          entries.add(new Entry(record.serialHex(), record.kind().label(), record.subject(),
              record.roles(), record.notBefore().toString(), record.notAfter().toString(),
              current.label(), record.revokedAt() == null ? null : record.revokedAt().toString(),
              record.revocationReason() == null ? null : record.revocationReason().rfcName()));
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(JSON.writeValueAsString(entries));
    } else {
      String format = "%-32s  %-7s  %-12s  %-20s  %-20s  %s  %s%n";
      out.printf(format, "SERIAL", "STATUS", "KIND", "NOT BEFORE", "NOT AFTER", "SUBJECT", "ROLES");
      for (Entry e : entries) {
        out.printf(format, e.serial(), e.status(), e.kind(), e.notBefore(), e.notAfter(), e.subject(),
            String.join(",", e.roles()));
      }
    }
    return 0;
  }

  private static CertificateStatus parseStatus(String status) throws InvalidRequestException {
    if (status == null) {
      return null;
    }
    for (CertificateStatus candidate : CertificateStatus.values()) {
      if (candidate.label().equalsIgnoreCase(status)) {
        return candidate;
      }
    }
    throw new InvalidRequestException("unknown status '" + status + "': use valid, revoked or expired");
  }
}
