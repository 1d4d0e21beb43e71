package io.gatehouse.cli.server;

import io.gatehouse.ca.CaException;
import io.gatehouse.example.config.ServerConfig;
import io.gatehouse.example.server.ExampleServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse server}: the example MCP server, until SIGTERM or Ctrl-C. */
@Command(name = "server", mixinStandardHelpOptions = true,
    description = {"Run the example MCP server (HR, projects and CRM tools behind mTLS, JWT and"
        + " API-key authentication with per-tool RBAC).",
        "Configuration: built-in defaults, then --config FILE (YAML or JSON), then the environment"
        + " variables below. Every key and default: docs/configuration.md."})
public final class ServerCommand implements Callable<Integer> {
  private final Map<String, String> env;

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "Configuration file (YAML or JSON).")
  Path config;

  @Option(names = "--print-config", description = "Print the effective configuration (defaults, file and environment merged) and exit.")
  boolean printConfig;

  ServerCommand(Map<String, String> env) {
    this.env = env;
  }

  /** The command with the environment-variable table in its help. */
  public static CommandLine create(Map<String, String> env) {
    CommandLine command = new CommandLine(new ServerCommand(env));
    command.getCommandSpec().usageMessage().footerHeading("%nEnvironment variables (override the file; lists are comma-separated):%n")
        .footer(environmentHelp());
    return command;
  }

  private static String environmentHelp() {
    return ServerConfig.environment().variables().stream()
        .map(v -> "  " + v.variable() + "%n      " + v.path()
            + (v.defaultValue().isEmpty() ? "" : " (default " + v.defaultValue().replace("%", "%%") + ")"))
        .collect(Collectors.joining("%n"));
  }

  @Override
  public Integer call() throws Exception {
    ServerConfig loaded;
    try {
      loaded = ServerConfig.load(config, env);
    } catch (IllegalArgumentException e) {
      throw new CaException(e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    if (printConfig) {
      out.print(loaded.toYaml());
      out.flush();
      return 0;
    }
    ExampleServer server;
    try {
      server = ExampleServer.start(loaded);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CaException(e.getMessage());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }, "gatehouse-server-shutdown"));
    out.println("Gatehouse example MCP server on " + server.mcpUrl() + " (Ctrl-C stops)");
    out.flush();
    stopped.await();
    return 0;
  }
}
