package io.gatehouse.cli.demo;

import io.gatehouse.cli.ca.CaDirOption;
import io.gatehouse.cli.CliEnvironment;
import io.gatehouse.cli.demo.Demo;
import io.gatehouse.cli.demo.DemoInstructions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code gatehouse demo}: the whole story on localhost, see {@link Demo}. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Everything end to end on localhost, in this process:",
        "  1. a CA in --dir (created when absent; its passphrase generated into <dir>/demo/ca-passphrase, mode 0600)",
        "  2. a server certificate for localhost; client certificates for alice (manager),"
            + " bob (assistant-manager), carol (officer); a JWT for erin (auditor, token only)",
        "  3. 'ca serve' (OCSP, CRL, JWKS) and the example MCP server (client certificate optional, JWT fallback)",
        "  4. the MCP Java SDK client as each identity: tools visible, a permitted and a refused call",
        "  5. carol revoked; her next connection refused through OCSP",
        "  6. both servers left running with commands to try, until Ctrl-C (--exit: stop after 5)",
        "Idempotent: a second run reuses the CA and every certificate still good.",
        "Exit code 0 when every step succeeded, 1 otherwise."})
public final class DemoCommand implements Callable<Integer> {
  private final CliEnvironment environment;

  @Spec CommandSpec spec;
  @Mixin CaDirOption dir;

  @Option(names = "--port", defaultValue = "8443", description = "MCP server port, 0 for any (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--ca-port", defaultValue = "8089", description = "CA service (OCSP, CRL, JWKS) port, 0 for any (default: ${DEFAULT-VALUE}).")
  int caPort;

  @Option(names = "--exit", description = "Stop after step 7 instead of serving until Ctrl-C (for scripts and CI).")
  boolean exit;

  /** Created by the CLI's factory, which hands every command its environment. */
  public DemoCommand(CliEnvironment environment) {
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    DemoLogging.quiet();
    PrintWriter out = spec.commandLine().getOut();
    out.println("Gatehouse demo: CA in " + dir.dir() + "/, MCP server on port " + (port == 0 ? "any" : port)
        + ", CA service on port " + (caPort == 0 ? "any" : caPort));
    out.println();
    out.flush();
    Demo demo = new Demo(new Demo.Options(dir.dir(), port, caPort, environment.env()), out);
    Demo.Report report;
    try {
      report = demo.run();
    } catch (RuntimeException e) {
      demo.close();
      throw e;
    }
    if (!report.ok() || exit) {
      demo.close();
      out.println();
      out.println(report.ok() ? "Done: every step passed; servers stopped (--exit)."
          : "Stopped: a step failed (see above); the servers are stopped.");
      out.flush();
      return report.ok() ? 0 : 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      demo.close();
      out.println();
      out.println("Stopped the MCP server and the CA service.");
      out.flush();
      stopped.countDown();
    }, "gatehouse-demo-shutdown"));
    DemoInstructions.print(demo, out);
    out.flush();
    stopped.await();
    return 0;
  }
}
