package io.gatehouse.ca.cli;

/**
 * How other modules add top-level commands to {@code gatehouse} without {@code ca} depending on
 * them: implement this, list the class in {@code
 * META-INF/services/io.gatehouse.ca.cli.CliExtension}, and put the module on the class path. Each
 * extension's {@link #command()} becomes the subcommand {@link #name()}.
 *
 * <p>The only contributor today is {@code server-example} ({@code ExampleCommands}): {@code
 * server}, {@code demo}, {@code apikey} (wrapping transport's {@code ApiKeyCommand}) and {@code
 * connect}. {@code transport} and {@code benchmarks} contribute none.
 */
public interface CliExtension {
  /** The subcommand name, e.g. {@code apikey}; must not clash with another command. */
  String name();

  /**
   * A fresh picocli command object: a class annotated with {@code @Command} (implementing
   * Runnable or Callable&lt;Integer&gt;), or a {@code picocli.CommandLine}. Errors it throws
   * are reported like the built-in commands' (one line, exit 1; a {@code
   * io.gatehouse.ca.CaException} keeps its message; {@code InvalidRequestException} exits 2).
   */
  Object command();
}
