package io.gatehouse.cli.ca;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --dir} option every {@code ca} command (and {@code token}) takes. */
public final class CaDirOption {
  @Option(names = "--dir", defaultValue = "certs", paramLabel = "DIR",
      description = "Root of the CA layout (default: ${DEFAULT-VALUE}).")
  Path dir;

  /** The chosen directory. */
  public Path dir() {
    return dir;
  }
}
