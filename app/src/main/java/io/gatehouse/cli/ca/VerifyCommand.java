package io.gatehouse.cli.ca;

import io.gatehouse.cli.GatehouseCli;

import io.gatehouse.cli.CliEnvironment;

import io.gatehouse.ca.authority.CertificateAuthority;
import io.gatehouse.ca.db.IntegrityException;
import io.gatehouse.ca.db.IntegrityReport;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code gatehouse ca verify}: checks the signed audit chain and every certificate row against it.
 * Needs no passphrase: chain heads are verified with the issuing certificate's public key.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Verify the store: every audit entry's hash and CA signature, the chain's order,"
        + " and every certificate row and the CRL number against the entry that last recorded it.",
        "Exit 0 only when all of it holds; otherwise names the first bad entry and exits 1."})
final class VerifyCommand implements Callable<Integer> {
  private static final JsonMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;

  @Option(names = "--json", description = "Print the result as JSON.")
  boolean json;

  VerifyCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (CertificateAuthority ca = CertificateAuthority.open(dir.dir(), environment.env())) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("store", ca.store().describe());
      try {
        IntegrityReport report = ca.verify();
        result.put("ok", true);
        result.put("entries", report.entries());
        result.put("certificates", report.certificates());
        result.put("headEntry", report.headSeq());
        result.put("headHash", report.headHash());
        result.put("crlNumber", report.crlNumber());
        if (json) {
          out.println(JSON.writeValueAsString(result));
        } else {
          out.println("OK: " + ca.store().describe() + " verifies: " + report.entries() + " audit entries"
              + " signed by the CA, " + report.certificates() + " certificates matching them, CRL number "
              + report.crlNumber() + "; head entry " + report.headSeq() + " " + report.headHash());
        }
        return 0;
      } catch (IntegrityException e) {
        result.put("ok", false);
        result.put("entry", e.entry() == 0 ? null : e.entry());
        result.put("serial", e.subject().isEmpty() ? null : e.subject());
        result.put("error", e.getMessage());
        if (json) {
          out.println(JSON.writeValueAsString(result));
        } else {
          out.println("FAILED: " + e.getMessage());
        }
        out.flush();
        spec.commandLine().getErr().println("gatehouse: the CA store failed verification"
            + (e.entry() == 0 ? "" : " at audit entry " + e.entry()));
        return GatehouseCli.EXIT_FAILURE;
      }
    }
  }
}
