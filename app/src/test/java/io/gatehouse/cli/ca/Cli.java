package io.gatehouse.cli.ca;

import io.gatehouse.cli.GatehouseCli;

import io.gatehouse.cli.CliEnvironment;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;

/** Runs the real CLI in-process with a given environment and captured output. */
public final class Cli {
  /** The passphrase tests use for their CAs. */
  public static final String PASSPHRASE = "correct horse battery staple";

  /** What a run printed and returned. */
  public record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- out\n" + out + "--- err\n" + err;
    }
  }

  private final Map<String, String> env = new HashMap<>();
  private CliEnvironment.SecretPrompt prompt;
  private Clock clock = Clock.systemUTC();

  private Cli() {}

  /** A CLI whose environment holds the test CA passphrase and a PKCS#12 password. */
  public static Cli withPassphrase() {
    Cli cli = new Cli();
    cli.env.put(CliEnvironment.CA_PASSPHRASE, PASSPHRASE);
    cli.env.put(CliEnvironment.P12_PASSWORD, "p12-secret-pw");
    return cli;
  }

  /** A CLI with an empty environment and no terminal. */
  public static Cli bare() {
    return new Cli();
  }

  public Cli env(String name, String value) {
    env.put(name, value);
    return this;
  }

  public Cli prompt(CliEnvironment.SecretPrompt prompt) {
    this.prompt = prompt;
    return this;
  }

  public Cli clock(Clock clock) {
    this.clock = clock;
    return this;
  }

  /** Runs {@code gatehouse args…}. */
  public Result run(String... args) {
    CommandLine cli = GatehouseCli.newCommandLine(new CliEnvironment(env, prompt, clock));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  /** Runs a {@code ca} subcommand against {@code dir}. */
  public Result ca(Path dir, String... args) {
    String[] full = new String[args.length + 3];
    full[0] = "ca";
    System.arraycopy(args, 0, full, 1, args.length);
    full[args.length + 1] = "--dir";
    full[args.length + 2] = dir.toString();
    return run(full);
  }
}
