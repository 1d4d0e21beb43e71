package io.gatehouse.example.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded {@code target/gatehouse.jar} the launcher runs, as a child process: its commands,
 * and {@code demo --exit} end to end with calm output. Runs in the integration-test phase.
 */
class ShadedJarIT {
  static final Path JAR = Path.of("target/gatehouse.jar");

  @TempDir Path work;

  record Result(int exit, String out, String err) {}

  Result gatehouse(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toAbsolutePath().toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("GATEHOUSE_"));
    Path out = work.resolve("out.txt");
    Path err = work.resolve("err.txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("gatehouse " + String.join(" ", args) + " did not finish in 120 s");
    }
    return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void theJarIsUnsignedAndMergesEveryModulesCommands() throws Exception {
    try (ZipFile zip = new ZipFile(JAR.toFile())) {
      assertThat(zip.stream().map(e -> e.getName()))
          .noneMatch(n -> n.matches("META-INF/[^/]+\\.(SF|DSA|RSA|EC)"));
      String services = new String(zip.getInputStream(
          zip.getEntry("META-INF/services/io.gatehouse.ca.cli.CliExtension")).readAllBytes(), StandardCharsets.UTF_8);
      assertThat(services).contains("ExampleCommands$Server", "ExampleCommands$Demo", "ExampleCommands$ApiKey");
    }
    Result help = gatehouse("--help");
    assertThat(help.exit()).isZero();
    assertThat(help.out()).contains("ca ", "token", "server", "demo", "apikey");
    Result server = gatehouse("server", "--help");
    assertThat(server.out()).contains("GATEHOUSE_SERVER_PORT", "GATEHOUSE_AUTH_REVOCATION_MODE");
  }

  @Test
  void demoExitRunsEveryStepWithCalmOutput() throws Exception {
    Result demo = gatehouse("demo", "--exit", "--port", "0", "--ca-port", "0");
    assertThat(demo.exit()).as(demo.out() + demo.err()).isZero();
    assertThat(demo.out().lines().filter(l -> l.startsWith("✓ "))).hasSize(5);
    assertThat(demo.out()).doesNotContain("✗");
    assertThat(demo.err()).as("stderr").isBlank();
    assertThat(work.resolve("certs/demo/ca-passphrase")).exists();
  }
}
