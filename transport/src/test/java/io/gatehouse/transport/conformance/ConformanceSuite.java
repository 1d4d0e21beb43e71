package io.gatehouse.transport.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the official MCP conformance suite ({@code @modelcontextprotocol/conformance}, npm) against
 * a server URL and reads its per-check results. Where Node 22 and the suite come from (installed
 * by {@code scripts/conformance-setup.sh}, which {@code .ci/run} calls) is described in
 * docs/conformance.md:
 * <ul>
 *   <li>Node: {@code $GATEHOUSE_NODE22}, else {@code ~/.cache/gatehouse/node22/node_modules/.bin/
 *       node}, else {@code node} on the PATH — the first whose major version is at least 22;</li>
 *   <li>the suite: {@code <home>/<version>/node_modules/@modelcontextprotocol/conformance}, with
 *       {@code <home>} = {@code $GATEHOUSE_CONFORMANCE_HOME}, else {@code ~/.cache/gatehouse/
 *       conformance}.</li>
 * </ul>
 */
final class ConformanceSuite {
  /** The pinned 2025-11-25 suite. Keep in step with scripts/conformance-setup.sh. */
  static final String LEGACY_VERSION = "0.1.16";
  /** The pinned 2026-07-28 ("draft") suite. Keep in step with scripts/conformance-setup.sh. */
  static final String DRAFT_VERSION = "0.2.0-alpha.12";
  /** The suite needs Node 22 (it crashes on 20). */
  private static final int MIN_NODE_MAJOR = 22;
  /** A whole suite run takes well under a minute; this bounds a hang. */
  private static final long RUN_TIMEOUT_SECONDS = 300;
  private static final Pattern RESULT_DIR =
      Pattern.compile("server-(.+)-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z");
  private static final JsonMapper JSON = JsonMapper.builder().build();

  /** One check of one scenario, as the suite reported it. */
  record Check(String scenario, String id, String status, String errorMessage) {
    String key() {
      return scenario + " / " + id;
    }
  }

  /** A suite run: every check, and the suite's console output. */
  record Result(List<Check> checks, int exitCode, Path log) {
    List<Check> withStatus(String status) {
      return checks.stream().filter(c -> c.status().equals(status)).toList();
    }

    /** Scenario → "passed/scored" (SUCCESS over SUCCESS+FAILURE), in run order. */
    Map<String, String> perScenario() {
      Map<String, int[]> counts = new LinkedHashMap<>();
      for (Check c : checks) {
        int[] n = counts.computeIfAbsent(c.scenario(), s -> new int[2]);
        if (c.status().equals("SUCCESS")) {
          n[0]++;
          n[1]++;
        } else if (c.status().equals("FAILURE")) {
          n[1]++;
        }
      }
      Map<String, String> out = new LinkedHashMap<>();
      counts.forEach((s, n) -> out.put(s, n[0] + "/" + n[1]));
      return out;
    }
  }

  private final Path node;
  private final Path cli;

  private ConformanceSuite(Path node, Path cli) {
    this.node = node;
    this.cli = cli;
  }

  /** The suite at {@code version} with a Node 22, or why it is not available. */
  static Lookup locate(String version) {
    Optional<Path> node = node();
    if (node.isEmpty()) {
      return new Lookup(null, "no Node " + MIN_NODE_MAJOR + "+ found ($GATEHOUSE_NODE22, "
          + home().resolve("node22/node_modules/.bin/node") + ", node on the PATH)");
    }
    Path cli = suiteHome().resolve(version)
        .resolve("node_modules/@modelcontextprotocol/conformance/dist/index.js");
    if (!Files.isRegularFile(cli)) {
      return new Lookup(null, "@modelcontextprotocol/conformance@" + version + " not found at "
          + cli);
    }
    return new Lookup(new ConformanceSuite(node.get(), cli), null);
  }

  /** {@code suite}, or {@code missing} saying what is not installed. */
  record Lookup(ConformanceSuite suite, String missing) {}

  /**
   * Runs every server scenario ({@code --suite all}) against {@code url}, authenticating with
   * {@code bearer} through the preload and trusting {@code caCertificates} (null: plain HTTP).
   */
  Result run(String url, String bearer, Path caCertificates, Path workDir, String... extraArgs)
      throws IOException, InterruptedException {
    Path out = Files.createDirectories(workDir.resolve("results"));
    Path log = workDir.resolve("conformance.log");
    List<String> command = new ArrayList<>(List.of(node.toString(), "--import",
        preload().toUri().toString(), cli.toString(), "server", "--url", url, "--suite", "all",
        "-o", out.toString()));
    command.addAll(List.of(extraArgs));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile()).directory(workDir.toFile());
    if (caCertificates != null) {
      pb.environment().put("NODE_EXTRA_CA_CERTS", caCertificates.toString());
      // The suite's raw header probes (http-header-validation) use node:http whatever the URL's
      // scheme: the preload sends those to this TLS server over https (bearer-preload.mjs).
      java.net.URI server = java.net.URI.create(url);
      pb.environment().put("GATEHOUSE_CONFORMANCE_TLS_SERVER", server.getHost() + ":" + server.getPort());
    }
    pb.environment().put("GATEHOUSE_CONFORMANCE_BEARER", bearer);
    pb.environment().put("NO_COLOR", "1");
    Process process = pb.start();
    if (!process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("the conformance suite did not finish within "
          + RUN_TIMEOUT_SECONDS + " s; its output: " + log);
    }
    return new Result(read(out), process.exitValue(), log);
  }

  private static List<Check> read(Path out) throws IOException {
    List<Path> dirs;
    try (Stream<Path> s = Files.list(out)) {
      dirs = s.filter(Files::isDirectory).sorted().toList();
    }
    List<Check> checks = new ArrayList<>();
    for (Path dir : dirs) {
      Matcher m = RESULT_DIR.matcher(dir.getFileName().toString());
      Path file = dir.resolve("checks.json");
      if (!m.matches() || !Files.isRegularFile(file)) {
        continue;
      }
      for (JsonNode check : JSON.readTree(file.toFile())) {
        checks.add(new Check(m.group(1), check.path("id").asString(),
            check.path("status").asString(),
            check.path("errorMessage").isMissingNode() ? "" : check.path("errorMessage").asString()));
      }
    }
    return checks;
  }

  private static Path preload() {
    try {
      return Path.of(ConformanceSuite.class.getResource("bearer-preload.mjs").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Optional<Path> node() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getenv("GATEHOUSE_NODE22");
    if (configured != null && !configured.isBlank()) {
      candidates.add(Path.of(configured));
    }
    candidates.add(home().resolve("node22/node_modules/.bin/node"));
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        candidates.add(Path.of(dir, "node"));
      }
    }
    return candidates.stream().filter(Files::isExecutable)
        .filter(p -> major(p) >= MIN_NODE_MAJOR).findFirst();
  }

  private static int major(Path node) {
    try {
      Process p = new ProcessBuilder(node.toString(), "--version").redirectErrorStream(true).start();
      String version = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return -1;
      }
      Matcher m = Pattern.compile("v(\\d+)\\..*").matcher(version);
      return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** {@code ~/.cache/gatehouse}: where scripts/conformance-setup.sh installs by default. */
  static Path home() {
    return Path.of(System.getProperty("user.home"), ".cache", "gatehouse");
  }

  private static Path suiteHome() {
    String configured = System.getenv("GATEHOUSE_CONFORMANCE_HOME");
    return configured != null && !configured.isBlank()
        ? Path.of(configured) : home().resolve("conformance");
  }

  /**
   * The expected failures of {@code suiteVersion} listed in docs/conformance.md, as
   * {@code scenario / check id} → reason. Rows of the table under "## Expected failures" read
   * {@code | suite version | scenario | check id | reason |}.
   */
  static Map<String, String> expectedFailures(String suiteVersion) {
    return expectedFailures(docs().resolve("conformance.md"), suiteVersion);
  }

  /** {@link #expectedFailures(String)} read from {@code doc}. */
  static Map<String, String> expectedFailures(Path doc, String suiteVersion) {
    List<String> lines;
    try {
      lines = Files.readAllLines(doc);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + doc, e);
    }
    Map<String, String> expected = new LinkedHashMap<>();
    boolean inSection = false;
    for (String line : lines) {
      if (line.startsWith("## ")) {
        inSection = line.trim().equalsIgnoreCase("## Expected failures");
        continue;
      }
      if (!inSection || !line.startsWith("|")) {
        continue;
      }
      String[] cells = line.split("\\|", -1);
      if (cells.length < 6) {
        continue;
      }
      String version = unquote(cells[1]);
      if (version.equals(suiteVersion)) {
        expected.put(unquote(cells[2]) + " / " + unquote(cells[3]), cells[4].trim());
      }
    }
    return expected;
  }

  private static String unquote(String cell) {
    return cell.trim().replace("`", "");
  }

  private static Path docs() {
    Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.isRegularFile(d.resolve("docs/conformance.md"))) {
        return d.resolve("docs");
      }
    }
    throw new IllegalStateException("docs/conformance.md not found above " + dir);
  }
}
