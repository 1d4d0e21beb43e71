package io.gatehouse.transport.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
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
    ConformanceSuite.Result result = runOnGatehouse(ConformanceSuite.LEGACY_VERSION);
    assertThat(result.perScenario().keySet()).as("scenarios run")
        .contains("server-initialize", "tools-call-sampling", "tools-call-elicitation",
            "resources-subscribe", "prompts-get-with-args", "dns-rebinding-protection");
    assertOnlyExpectedFailures(ConformanceSuite.LEGACY_VERSION, result);
  }

  /**
   * The 2026-07-28 ("draft") scenarios of the 0.2.0 alpha suite, against the fixture's
   * exchange-free tools, prompts and static resources on the modern path (and the whole fixture
   * on 2025-xx sessions). What is not ported yet is listed, with its reason, in docs/conformance.md.
   */
  @Test
  void draftSuitePassesOnTheGatehouseTransport() throws Exception {
    ConformanceSuite.Result result = runOnGatehouse(ConformanceSuite.DRAFT_VERSION);
    assertOnlyExpectedFailures(ConformanceSuite.DRAFT_VERSION, result);
  }

  /**
   * The reference column of docs/conformance.md: the same fixture on the SDK's servlet transport
   * on Jetty. Measures only; opt in with {@code GATEHOUSE_CONFORMANCE_REFERENCE=true}.
   */
  @Test
  void referenceSdkServletTransport() throws Exception {
    Assumptions.assumeTrue("true".equalsIgnoreCase(System.getenv("GATEHOUSE_CONFORMANCE_REFERENCE")),
        "reference run not requested (GATEHOUSE_CONFORMANCE_REFERENCE=true)");
    for (String version : List.of(ConformanceSuite.LEGACY_VERSION, ConformanceSuite.DRAFT_VERSION)) {
      ConformanceSuite suite = suiteOrSkip(version);
      Path run = Files.createDirectories(dir.resolve("reference-" + version));
      ConformanceSuite.Result result;
      try (SdkServletConformanceServer server = new SdkServletConformanceServer()) {
        result = suite.run(server.url(), "unused", null, run);
      }
      report("SDK servlet transport on Jetty, suite " + version, result);
      assertThat(result.checks()).as("checks reported (suite output: %s)", result.log()).isNotEmpty();
    }
  }

  @Test
  void expectedFailuresAreReadFromTheirSectionOfTheDocsOnly() throws Exception {
    Path doc = Files.writeString(dir.resolve("conformance.md"), """
        ## Results
        | 0.1.16 | tools-list | tools-list | a results row, not an expected failure |
        ## Expected failures
        | suite | scenario | check | reason |
        |---|---|---|---|
        | `0.1.16` | `dns-rebinding-protection` | `localhost-host-valid-accepted` | why |
        | 0.2.0-alpha.12 | caching | ttl | other version |
        ## After
        | 0.1.16 | ping | ping | after the section |
        """);
    assertThat(ConformanceSuite.expectedFailures(doc, "0.1.16")).containsExactly(
        Map.entry("dns-rebinding-protection / localhost-host-valid-accepted", "why"));
  }

  private ConformanceSuite.Result runOnGatehouse(String version) throws Exception {
    ConformanceSuite suite = suiteOrSkip(version);
    ConformanceSuite.Result result;
    try (GatehouseConformanceServer server =
        new GatehouseConformanceServer(dir.resolve("server-" + version))) {
      result = suite.run(server.url(), server.bearerToken(), server.trustedCertificates(),
          Files.createDirectories(dir.resolve("run-" + version)));
    }
    report("Gatehouse transport, suite " + version, result);
    assertThat(result.checks()).as("checks reported (suite output: %s)", result.log()).isNotEmpty();
    return result;
  }

  private static void assertOnlyExpectedFailures(String version, ConformanceSuite.Result result) {
    Map<String, String> expected = ConformanceSuite.expectedFailures(version);
    List<String> unexpected = result.withStatus("FAILURE").stream()
        .filter(c -> !expected.containsKey(c.key()))
        .map(c -> c.key() + ": " + shorten(c.errorMessage())).toList();
    List<String> nowPassing = expected.keySet().stream()
        .filter(k -> result.withStatus("FAILURE").stream().noneMatch(c -> c.key().equals(k)))
        .toList();
    if (!nowPassing.isEmpty()) {
      System.out.println("Listed as expected failures in docs/conformance.md but not failing"
          + " (update the table): " + nowPassing);
    }
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

  private static String shorten(String message) {
    return message.length() <= 300 ? message : message.substring(0, 300) + "…";
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
        .map(c -> "  " + c.status() + " " + c.key() + ": " + shorten(c.errorMessage()))
        .collect(Collectors.joining("\n"));
    System.out.printf("MCP conformance, %s: %d/%d checks passed, %d warnings, %d scenarios%n%s%n%s%n",
        title, passed, passed + failed, warnings, result.perScenario().size(), scenarios, problems);
  }
}
