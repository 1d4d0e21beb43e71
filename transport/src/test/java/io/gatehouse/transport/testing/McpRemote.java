package io.gatehouse.transport.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * {@code mcp-remote} (npm), the stdio-to-remote MCP proxy many hosts use, run under Node as a
 * spec-following OAuth client we did not write. Installed with npm into {@code
 * target/mcp-remote-node} on first use (as {@link OidcProvider} installs oidc-provider). Node:
 * {@code $GATEHOUSE_NODE22}, else the Node 22 of scripts/conformance-setup.sh, else {@code node}
 * on the PATH. Without Node or npm the tests are skipped with a loud message, except under {@code
 * CI=true}, where they fail.
 */
public final class McpRemote {
  /** Pinned: the version whose behaviour docs/authentication.md records. */
  static final String PACKAGE = "mcp-remote@0.15.1";
  private static final Path DIR = Path.of("target", "mcp-remote-node").toAbsolutePath();

  private McpRemote() {}

  /** What one run did: exit code (null: still running at the deadline, then killed), output. */
  public record Run(Integer exit, String stdout, String stderr) {}

  /**
   * Runs {@code mcp-remote url args…} with {@code env} added, writes {@code stdinLine} (kept
   * open, as a host would), and waits up to {@code seconds} for it to exit by itself.
   */
  public static Run run(String url, List<String> args, Map<String, String> env, String stdinLine,
      long seconds) throws IOException, InterruptedException {
    Path node = node();
    install();
    List<String> command = new ArrayList<>(List.of(node.toString(),
        DIR.resolve("node_modules/mcp-remote/dist/proxy.js").toString(), url));
    command.addAll(args);
    Path out = Files.createTempFile(DIR, "stdout", ".txt");
    Path err = Files.createTempFile(DIR, "stderr", ".txt");
    ProcessBuilder builder = new ProcessBuilder(command).directory(DIR.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    OutputStream stdin = process.getOutputStream();
    stdin.write((stdinLine + "\n").getBytes(StandardCharsets.UTF_8));
    stdin.flush();
    Integer exit = null;
    try {
      if (process.waitFor(seconds, TimeUnit.SECONDS)) {
        exit = process.exitValue();
      }
    } finally {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      stdin.close();
    }
    return new Run(exit, Files.readString(out), Files.readString(err));
  }

  private static Path node() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getenv("GATEHOUSE_NODE22");
    if (configured != null && !configured.isBlank()) {
      candidates.add(Path.of(configured));
    }
    candidates.add(Path.of(System.getProperty("user.home"),
        ".cache/gatehouse/node22/node_modules/.bin/node"));
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, "node"));
      }
    }
    Optional<Path> found = candidates.stream().filter(Files::isExecutable).findFirst();
    if (found.isEmpty()) {
      unavailable("no Node found ($GATEHOUSE_NODE22, ~/.cache/gatehouse/node22, PATH)");
    }
    return found.get();
  }

  private static synchronized void install() throws IOException, InterruptedException {
    if (Files.isRegularFile(DIR.resolve("node_modules/mcp-remote/dist/proxy.js"))) {
      return;
    }
    Files.createDirectories(DIR);
    Files.writeString(DIR.resolve("package.json"),
        "{\"name\":\"gatehouse-mcp-remote-test\",\"private\":true}");
    String failure;
    try {
      Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", PACKAGE)
          .directory(DIR.toFile()).redirectErrorStream(true).start();
      String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      failure = npm.waitFor(5, TimeUnit.MINUTES) && npm.exitValue() == 0 ? null : output;
    } catch (IOException e) {
      failure = "npm not runnable: " + e.getMessage();
    }
    if (failure != null) {
      unavailable(failure);
    }
  }

  private static void unavailable(String why) {
    String message = "\n\n********** mcp-remote tests NOT RUN: npm/Node unavailable **********\n"
        + why + "\n*******************************************************************\n";
    System.err.println(message);
    if ("true".equals(System.getenv("CI"))) {
      fail(message);
    }
    Assumptions.abort(message);
  }
}
