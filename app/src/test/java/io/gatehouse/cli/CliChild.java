package io.gatehouse.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs the CLI in a child JVM from the test's class path. */
public final class CliChild {
  /**
   * JVM flags for short-lived children: C1 only and the serial collector start them faster on a
   * busy machine; the code run is the same.
   */
  public static final List<String> FAST_START_FLAGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private CliChild() {}

  /** {@code java FAST_START_FLAGS -cp <test class path> GatehouseCli ARGS}. */
  public static List<String> command(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(FAST_START_FLAGS);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), GatehouseCli.class.getName()));
    command.addAll(args);
    return command;
  }

  /** {@link #command(List)} of {@code args}. */
  public static List<String> command(String... args) {
    return command(List.of(args));
  }
}
