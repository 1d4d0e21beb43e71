package io.gatehouse.cli.ca;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.RevocationReason;
import java.math.BigInteger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code gatehouse ca revoke --serial HEX}: an authorized act. It takes the CA passphrase, and the
 * audit chain records who revoked (the OS user, authenticated by the passphrase).
 */
@Command(name = "revoke", mixinStandardHelpOptions = true,
    description = {"Revoke a certificate. Takes effect for OCSP at once; run 'ca crl' for a new CRL.",
        "Needs the CA passphrase (GATEHOUSE_CA_PASSPHRASE or a prompt): the audit chain records who revoked.",
        "Reasons (RFC 5280): unspecified, keyCompromise, cACompromise, affiliationChanged,"
            + " superseded, cessationOfOperation, privilegeWithdrawn, aACompromise."})
final class RevokeCommand implements Callable<Integer> {
  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;
  @Mixin IntegrityOption integrity;

  @Option(names = "--serial", required = true, paramLabel = "HEX", description = "Serial in hex (colons allowed).")
  String serial;

  @Option(names = "--reason", defaultValue = "unspecified", description = "RFC 5280 reason (default: ${DEFAULT-VALUE}).")
  String reason;

  RevokeCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    RevocationReason why = RevocationReason.parse(reason);
    BigInteger number = parseSerial(serial);
    try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
      environment.unlock(ca);
      ca.requireIntegrity(integrity.ignore);
      CertificateRecord revoked = ca.store().revoke(number, why, environment.clock().instant());
      spec.commandLine().getOut().println("Revoked " + revoked.subject() + " serial "
          + revoked.serialHex() + " (" + why + ") at " + revoked.revokedAt());
    }
    return 0;
  }

  /** Parses a hex serial, tolerating colons, spaces and a 0x prefix as tools print them. */
  static BigInteger parseSerial(String text) throws InvalidRequestException {
    return CertificateRecord.parseSerial(text);
  }
}
