package io.gatehouse.ca.cli;

import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.db.CertificateRecord;
import io.gatehouse.ca.db.RevocationReason;
import java.math.BigInteger;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca revoke --serial HEX}: needs no passphrase; the store is the authority. */
@Command(name = "revoke", mixinStandardHelpOptions = true,
    description = {"Revoke a certificate. Takes effect for OCSP at once; run 'ca crl' for a new CRL.",
        "Reasons (RFC 5280): unspecified, keyCompromise, cACompromise, affiliationChanged,"
            + " superseded, cessationOfOperation, privilegeWithdrawn, aACompromise."})
final class RevokeCommand implements Callable<Integer> {
  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;

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
    try (CertificateAuthority ca = CertificateAuthority.open(dir.dir())) {
      CertificateRecord revoked = ca.store().revoke(number, why, environment.clock().instant());
      spec.commandLine().getOut().println("Revoked " + revoked.subject() + " serial "
          + revoked.serialHex() + " (" + why + ") at " + revoked.revokedAt());
    }
    return 0;
  }

  /** Parses a hex serial, tolerating colons, spaces and a 0x prefix as tools print them. */
  static BigInteger parseSerial(String text) throws InvalidRequestException {
    String hex = text.trim().toLowerCase(Locale.ROOT).replaceFirst("^0x", "").replaceAll("[:\\s]", "");
    if (hex.isEmpty() || hex.length() > 40 || !hex.matches("[0-9a-f]+")) {
      throw new InvalidRequestException("invalid serial '" + text + "': give it in hex as 'ca list' prints it");
    }
    return new BigInteger(hex, 16);
  }
}
