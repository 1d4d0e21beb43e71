package io.gatehouse.transport.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official MCP conformance suite ({@code @modelcontextprotocol/conformance}
 * {@value ConformanceSuite#LEGACY_VERSION}, every server scenario of 2025-11-25) against the
 * {@link EverythingServer} fixture on the real Gatehouse transport over TLS with auth on. Fails on
 * any failing check not listed, with its reason, under "Expected failures" in docs/conformance.md.
 * Without Node 22 and the suite (scripts/conformance-setup.sh) it is skipped loudly, except in CI
 * ({@code CI=true}), where it fails.
 */
class ConformanceSuiteTest {
  @TempDir Path dir;

  @Test
  void legacySuitePassesOnTheGatehouseTransport() throws Exception {
    ConformanceSuite suite = suiteOrSkip(ConformanceSuite.LEGACY_VERSION);
    ConformanceSuite.Result result;
    try (GatehouseConformanceServer server = new GatehouseConformanceServer(dir.resolve("server"))) {
      result = suite.run(server.url(), server.bearerToken(), server.trustedCertificates(),
          java.nio.file.Files.createDirectories(dir.resolve("run")));
    }
    report("Gatehouse transport, suite " + ConformanceSuite.LEGACY_VERSION, result);
    assertThat(result.checks()).as("checks reported (suite output: %s)", result.log()).isNotEmpty();
    assertThat(result.perScenario().keySet()).as("scenarios run")
        .contains("server-initialize", "tools-call-sampling", "tools-call-elicitation",
            "resources-subscribe", "prompts-get-with-args", "dns-rebinding-protection");
    Map<String, String> expected = ConformanceSuite.expectedFailures(ConformanceSuite.LEGACY_VERSION);
    List<String> unexpected = result.withStatus("FAILURE").stream()
        .filter(c -> !expected.containsKey(c.key()))
        .map(c -> c.key() + ": " + c.errorMessage()).toList();
    assertThat(unexpected).as("failing checks not listed in docs/conformance.md (suite output: %s)",
        result.log()).isEmpty();
  }

  private static ConformanceSuite suiteOrSkip(String version) {
    ConformanceSuite.Lookup lookup = ConformanceSuite.locate(version);
    if (lookup.suite() != null) {
      return lookup.suite();
    }
    String message = "MCP CONFORMANCE SUITE NOT RUN: " + lookup.missing()
        + ". Install it with scripts/conformance-setup.sh (docs/conformance.md).";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError(message + " CI=true: the suite must run in CI.");
    }
    System.err.println("\n" + "!".repeat(100) + "\n!!! " + message + "\n" + "!".repeat(100) + "\n");
    Assumptions.abort(message);
    return null;
  }

  private static void report(String title, ConformanceSuite.Result result) {
    long passed = result.withStatus("SUCCESS").size();
    long failed = result.withStatus("FAILURE").size();
    long warnings = result.withStatus("WARNING").size();
    String scenarios = result.perScenario().entrySet().stream()
        .map(e -> String.format("  %-36s %s", e.getKey(), e.getValue()))
        .collect(Collectors.joining("\n"));
    String problems = result.checks().stream()
        .filter(c -> c.status().equals("FAILURE") || c.status().equals("WARNING"))
        .map(c -> "  " + c.status() + " " + c.key() + ": " + c.errorMessage())
        .collect(Collectors.joining("\n"));
    System.out.printf("MCP conformance, %s: %d/%d checks passed, %d warnings, %d scenarios%n%s%n%s%n",
        title, passed, passed + failed, warnings, result.perScenario().size(), scenarios, problems);
  }
}
