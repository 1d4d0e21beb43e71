package io.gatehouse.cli.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.example.config.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code gatehouse server --print-config} prints the effective merged configuration. */
class PrintConfigTest {
  @TempDir Path dir;

  @Test
  void printsDefaultsFileAndEnvironmentMergedAndReadsBackTheSame() throws Exception {
    Path file = Files.writeString(dir.resolve("g.yaml"),
        "server: {limits: {maxBodyBytes: 1024}}\nauth: {lockout: {window: 2m}}\n");
    Map<String, String> env = Map.of("GATEHOUSE_SERVER_PORT", "9555",
        "GATEHOUSE_AUTH_REVOCATION_MODE", "soft-fail");
    StringWriter out = new StringWriter();
    CommandLine command = ServerCommand.create(env);
    command.setOut(new PrintWriter(out));
    assertThat(command.execute("--print-config", "--config", file.toString())).isZero();
    String printed = out.toString();
    assertThat(printed)
        .contains("port: 9555")                                  // environment
        .contains("maxBodyBytes: 1024")                          // file
        .contains("window: \"2m\"")
        .contains("mode: \"soft-fail\"")
        .contains("maxFailures: 10")                             // the model's default
        .contains("file: \"server-example/config/policy.yaml\"") // the application's default
        .doesNotContain("auth:\n    ");                          // auth is top-level, not in server
    ServerConfig again = ServerConfig.load(Files.writeString(dir.resolve("printed.yaml"), printed),
        Map.of());
    assertThat(again.server()).isEqualTo(ServerConfig.load(file, env).server());
  }
}
