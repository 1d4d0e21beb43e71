package io.gatehouse.cli.ca;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs external programs (openssl, a forked JVM) and captures their combined output. */
public final class Processes {
  /** Exit code and combined stdout/stderr of a finished process. */
  public record Output(int exit, String text) {}

  private Processes() {}

  public static Output run(Path workDir, Map<String, String> env, List<String> command)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    byte[] bytes = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("timed out: " + command);
    }
    return new Output(process.exitValue(), new String(bytes, StandardCharsets.UTF_8));
  }

  public static Output run(Path workDir, String... command) throws IOException, InterruptedException {
    return run(workDir, Map.of(), List.of(command));
  }
}
