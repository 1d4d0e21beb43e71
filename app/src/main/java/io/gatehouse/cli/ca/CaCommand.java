package io.gatehouse.cli.ca;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gatehouse ca}: the certificate authority's commands. */
@Command(
    name = "ca",
    mixinStandardHelpOptions = true,
    description = "Run the internal certificate authority.",
    subcommands = {
      InitCommand.class,
      IssueCommand.class,
      SignCommand.class,
      RevokeCommand.class,
      ListCommand.class,
      CrlCommand.class,
      RenewCommand.class,
      ServeCommand.class,
      ProvisionerCommand.class,
      EnrollTokenCommand.class,
      VerifyCommand.class,
      DbCommand.class
    })
public final class CaCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing ca command");
  }
}
