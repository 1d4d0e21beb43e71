package io.gatehouse.cli;

import io.gatehouse.ca.CaException;
import io.gatehouse.ca.InvalidRequestException;
import io.gatehouse.cli.apikey.ApiKeyCommand;
import io.gatehouse.cli.ca.BootstrapCommand;
import io.gatehouse.cli.ca.CaCommand;
import io.gatehouse.cli.ca.EnrollCommand;
import io.gatehouse.cli.ca.RenewClientCommand;
import io.gatehouse.cli.ca.TokenCommand;
import io.gatehouse.cli.connect.ConnectCommand;
import io.gatehouse.cli.demo.DemoCommand;
import io.gatehouse.cli.server.ServerCommand;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code gatehouse} command: every subcommand of every module, listed here ({@code ca},
 * {@code token}, {@code bootstrap}/{@code enroll}/{@code renew} from {@code cli.ca}; {@code
 * apikey}, {@code server}, {@code demo}, {@code connect}). Exit codes: 0 ok, 1 runtime failure, 2 usage error. Errors are one line;
 * {@code --verbose} adds the stack trace.
 */
@Command(
    name = "gatehouse",
    mixinStandardHelpOptions = true,
    versionProvider = GatehouseCli.Version.class,
    description = "Mutual-TLS identities, roles and revocation for MCP servers.",
    subcommands = {CaCommand.class, TokenCommand.class, BootstrapCommand.class, EnrollCommand.class,
        RenewClientCommand.class, DemoCommand.class, ConnectCommand.class, ApiKeyCommand.class,
        CommandLine.HelpCommand.class})
public final class GatehouseCli implements Runnable {
  /** Exit code of a runtime failure. */
  public static final int EXIT_FAILURE = 1;
  /** Exit code of a usage error. */
  public static final int EXIT_USAGE = 2;

  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces on errors.")
  boolean verbose;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command");
  }

  /** Runs the CLI in this process with the real environment, then exits with its code. */
  public static void main(String[] args) {
    System.exit(newCommandLine(CliEnvironment.system()).execute(args));
  }

  /**
   * The full command tree wired to {@code environment}. Tests call {@code execute} on it with
   * captured out/err.
   */
  public static CommandLine newCommandLine(CliEnvironment environment) {
    CommandLine cli = new CommandLine(new GatehouseCli(), new Factory(environment));
    // `server` reads its configuration layers from the environment when it is built.
    cli.addSubcommand("server", ServerCommand.create(environment.env()));
    cli.setExecutionExceptionHandler(GatehouseCli::onExecutionError);
    cli.setParameterExceptionHandler(GatehouseCli::onUsageError);
    return cli;
  }

  private static int onExecutionError(
      Exception error, CommandLine command, CommandLine.ParseResult parseResult) {
    PrintWriter err = command.getErr();
    Throwable cause = unwrap(error);
    if (cause instanceof ParameterException usage) {
      return onUsageError(usage, parseResult.originalArgs().toArray(String[]::new));
    }
    if (cause instanceof CaException known) {
      err.println("gatehouse: " + oneLine(known.getMessage()));
    } else {
      err.println("gatehouse: internal error (" + cause.getClass().getSimpleName() + ": "
          + oneLine(String.valueOf(cause.getMessage())) + "); rerun with --verbose for details");
    }
    if (parseResult.originalArgs().contains("--verbose")) {
      cause.printStackTrace(err);
    }
    err.flush();
    return cause instanceof InvalidRequestException ? EXIT_USAGE : EXIT_FAILURE;
  }

  private static int onUsageError(ParameterException error, String[] args) {
    PrintWriter err = error.getCommandLine().getErr();
    err.println("gatehouse: " + oneLine(error.getMessage()) + " (see '"
        + error.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
    if (java.util.Arrays.asList(args).contains("--verbose")) {
      error.printStackTrace(err);
    }
    err.flush();
    return EXIT_USAGE;
  }

  private static Throwable unwrap(Throwable error) {
    Throwable current = error;
    while ((current instanceof CommandLine.ExecutionException
            || current instanceof java.lang.reflect.InvocationTargetException)
        && current.getCause() != null) {
      current = current.getCause();
    }
    return current;
  }

  private static String oneLine(String message) {
    return message == null ? "" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }

  /** Creates commands, handing {@link CliEnvironment} to those whose constructor takes it. */
  private record Factory(CliEnvironment environment) implements CommandLine.IFactory {
    @Override
    public <K> K create(Class<K> type) throws Exception {
      try {
        Constructor<K> constructor = type.getDeclaredConstructor(CliEnvironment.class);
        constructor.setAccessible(true);   // commands of cli.* keep package-private constructors
        return constructor.newInstance(environment);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(type);
      }
    }
  }

  /** The version from the jar manifest (or "development" when run from classes). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = GatehouseCli.class.getPackage().getImplementationVersion();
      return new String[] {"gatehouse " + (version == null ? "development" : version)};
    }
  }
}
