package io.gatehouse.ca.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A CLI extension registered through META-INF/services in the test class path. */
public final class HelloExtension implements CliExtension {
  @Override
  public String name() {
    return "hello";
  }

  @Override
  public Object command() {
    return new Hello();
  }

  /** {@code gatehouse hello --to NAME}. */
  @Command(name = "hello", mixinStandardHelpOptions = true, description = "Test extension.")
  static final class Hello implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--to", required = true)
    String to;

    @Override
    public Integer call() throws Exception {
      if (to.equals("fail")) {
        throw new io.gatehouse.ca.CaException("extension failed on purpose");
      }
      spec.commandLine().getOut().println("hello " + to);
      return 0;
    }
  }
}
