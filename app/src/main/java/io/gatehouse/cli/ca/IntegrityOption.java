package io.gatehouse.cli.ca;

import picocli.CommandLine.Option;

/** {@code --ignore-integrity}: act on a store that fails {@code ca verify} (for recovery only). */
final class IntegrityOption {
  @Option(names = "--ignore-integrity",
      description = "Run even if the store fails 'ca verify' (recovery only; the result may rest on tampered records).")
  boolean ignore;
}
