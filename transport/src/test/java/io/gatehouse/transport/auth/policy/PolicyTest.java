package io.gatehouse.transport.auth.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class PolicyTest {
  static final String EXAMPLE =
      """
      roles:
        admin:
          includes: [manager, metrics]
          tools: ["*"]
        manager:
          includes: [viewer]
          tools: ["hr.*", "crm.update_contact"]
        viewer:
          tools: ["crm.read_*", "hr.list_employees", "docs.*.summary"]
        metrics:
          resources: [metrics]
        auditor: {}
      rate_limits:
        default: 600
        roles: {viewer: 60, manager: 120}
        tools: {"hr.export*": 5, "hr.export_all": 2}
      """;

  private static Principal caller(String... roles) {
    return new Principal("spiffe://gatehouse.local/client/t", Set.of(roles), AuthMethod.CERTIFICATE, "01");
  }

  @ParameterizedTest(name = "{0} calling {1} -> {2}")
  @CsvSource({
    "viewer,  crm.read_contacts,    true",
    "viewer,  crm.read_,            true",
    "viewer,  crm.update_contact,   false",
    "viewer,  hr.list_employees,    true",
    "viewer,  hr.list_employees2,   false",
    "viewer,  hr.delete_employee,   false",
    "viewer,  docs.q3.summary,      true",
    "viewer,  docs.summary,         false",
    "viewer,  crmXread_contacts,    false",
    "manager, hr.delete_employee,   true",
    "manager, crm.read_contacts,    true",
    "manager, crm.update_contact,   true",
    "manager, crm.delete_contact,   false",
    "admin,   anything.at_all,      true",
    "metrics, crm.read_contacts,    false",
    "auditor, crm.read_contacts,    false",
    "intern,  crm.read_contacts,    false",
  })
  void hierarchyAndGlobsDecide(String role, String tool, boolean allowed) throws Exception {
    assertThat(Policy.fromYaml(EXAMPLE).mayCall(caller(role), tool)).isEqualTo(allowed);
  }

  @Test
  void anyRoleOfTheCallerSuffices() throws Exception {
    Policy policy = Policy.fromYaml(EXAMPLE);
    assertThat(policy.mayCall(caller("auditor", "viewer"), "crm.read_x")).isTrue();
    assertThat(policy.mayCall(caller(), "crm.read_x")).isFalse();
    assertThat(policy.mayCall(caller("admin"), null)).isFalse();
  }

  @Test
  void resourcesFollowTheHierarchy() throws Exception {
    Policy policy = Policy.fromYaml(EXAMPLE);
    assertThat(policy.mayAccess(caller("metrics"), Policy.METRICS)).isTrue();
    assertThat(policy.mayAccess(caller("admin"), Policy.METRICS)).isTrue();
    assertThat(policy.mayAccess(caller("manager"), Policy.METRICS)).isFalse();
    assertThat(policy.mayAccess(caller("metrics"), "other")).isFalse();
  }

  @Test
  void promptsAndResourceUrisFollowTheHierarchyAndDenyByDefault() throws Exception {
    Policy policy = Policy.fromYaml("""
        roles:
          manager:
            includes: [viewer]
            prompts: ["*"]
            resource_uris: ["doc://*"]
          viewer:
            tools: ["*"]
            prompts: ["greeting"]
            resource_uris: ["doc://public/*"]
          other:
            tools: ["*"]
        """);
    assertThat(policy.mayGetPrompt(caller("viewer"), "greeting")).isTrue();
    assertThat(policy.mayGetPrompt(caller("viewer"), "secret")).isFalse();
    assertThat(policy.mayGetPrompt(caller("manager"), "secret")).isTrue();
    assertThat(policy.mayReadResource(caller("viewer"), "doc://public/readme")).isTrue();
    assertThat(policy.mayReadResource(caller("viewer"), "doc://private/salaries")).isFalse();
    assertThat(policy.mayReadResource(caller("manager"), "doc://private/salaries")).isTrue();
    // tools: ["*"] grants no prompt or resource: each kind is granted on its own.
    assertThat(policy.mayGetPrompt(caller("other"), "greeting")).isFalse();
    assertThat(policy.mayReadResource(caller("other"), "doc://public/readme")).isFalse();
    assertThat(policy.mayReadResource(caller("viewer"), null)).isFalse();
    assertThatThrownBy(() -> Policy.fromYaml("roles: {a: {resource_uris: [\"doc://a b\"]}}"))
        .hasMessageContaining("roles.a.resource_uris: bad resource URI pattern");
    assertThatThrownBy(() -> Policy.fromYaml("roles: {a: {prompts: [\"a/b\"]}}"))
        .hasMessageContaining("roles.a.prompts: bad tool pattern");
  }

  @Test
  void rateLimits() throws Exception {
    Policy policy = Policy.fromYaml(EXAMPLE);
    assertThat(policy.requestsPerMinute(caller("viewer"))).hasValue(60);
    assertThat(policy.requestsPerMinute(caller("viewer", "manager"))).hasValue(120);
    assertThat(policy.requestsPerMinute(caller("admin"))).hasValue(600);
    assertThat(policy.toolRequestsPerMinute("hr.export_all")).hasValue(2);
    assertThat(policy.toolRequestsPerMinute("hr.export_csv")).hasValue(5);
    assertThat(policy.toolRequestsPerMinute("hr.list")).isEmpty();
    assertThat(Policy.fromYaml("roles: {a: {tools: [x]}}").requestsPerMinute(caller("a")))
        .isEqualTo(OptionalInt.empty());
  }

  @Test
  void jsonWorksTheSame() throws Exception {
    Policy policy =
        Policy.fromJson(
            "{\"roles\": {\"viewer\": {\"tools\": [\"crm.read_*\"]}, \"admin\": {\"includes\": [\"viewer\"]}}}");
    assertThat(policy.mayCall(caller("admin"), "crm.read_x")).isTrue();
    assertThat(policy.roles()).containsExactlyInAnyOrder("viewer", "admin");
  }

  static Stream<Arguments> badFiles() {
    return Stream.of(
        arguments("roles: {a: {includes: [b]}}", "roles.a.includes: role 'b' is not declared"),
        arguments("roles: {a: {includes: [b]}, b: {includes: [c]}, c: {includes: [a]}}", "cycle"),
        arguments("roles: {a: {includes: [a]}}", "cycle: a -> a"),
        arguments("roles: {Admin: {}}", "invalid role name 'Admin'"),
        arguments("roles: {a: {tools: ['hr.[x]']}}", "roles.a.tools: bad tool pattern 'hr.[x]'"),
        arguments("roles: {a: {tools: ['']}}", "bad tool pattern"),
        arguments("roles: {a: {tool: [x]}}", "unknown key 'tool'"),
        arguments("roles: {a: {resources: ['Metrics!']}}", "bad resource name"),
        arguments("roles: {}", "declares no roles"),
        arguments("rolez: {a: {}}", "unknown key 'rolez'"),
        arguments("roles: {a: {}}\nroles: {b: {}}", "Duplicate"),
        arguments("roles: {a: {}}\nrate_limits: {roles: {b: 5}}", "rate_limits.roles: role 'b' is not declared"),
        arguments("roles: {a: {}}\nrate_limits: {default: 0}", "rate_limits.default: requests per minute must be"),
        arguments("roles: {a: {}}\nrate_limits: {tools: {'a b': 3}}", "rate_limits.tools: bad tool pattern"),
        arguments("roles: {a: {tools: {x: 1}}}", "at roles.a.tools: expected a list"),
        arguments("roles: [a]", "at roles: expected a mapping"),
        arguments("roles: [: [", "line 1"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("badFiles")
  void badFilesAreRefusedWithAClearMessage(String yaml, String message) {
    assertThatThrownBy(() -> Policy.fromYaml(yaml))
        .isInstanceOf(PolicyException.class)
        .hasMessageContaining(message)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("io.gatehouse"));
  }

  @Test
  void theExampleInTheDocsIsValidAndMeansWhatItSays() throws Exception {
    String doc = Files.readString(Path.of("../docs/authorization.md"));
    int marker = doc.indexOf("<!-- policy-example");
    int start = doc.indexOf("```yaml\n", marker) + "```yaml\n".length();
    Policy policy = Policy.fromYaml(doc.substring(start, doc.indexOf("```", start)));
    assertThat(policy.mayCall(caller("viewer"), "docs.q3.summary")).isTrue();
    assertThat(policy.mayCall(caller("viewer"), "hr.delete_employee")).isFalse();
    assertThat(policy.mayCall(caller("manager"), "hr.delete_employee")).isTrue();
    assertThat(policy.mayAccess(caller("admin"), Policy.METRICS)).isTrue();
    assertThat(policy.mayAccess(caller("manager"), Policy.METRICS)).isFalse();
    assertThat(policy.requestsPerMinute(caller("viewer"))).hasValue(60);
    assertThat(policy.toolRequestsPerMinute("hr.export_csv")).hasValue(5);
  }

  @Test
  void loadNamesTheFileAndPicksTheFormat(@TempDir Path dir) throws Exception {
    Path yaml = Files.writeString(dir.resolve("policy.yaml"), EXAMPLE);
    assertThat(Policy.load(yaml).mayCall(caller("viewer"), "hr.list_employees")).isTrue();
    Path json = Files.writeString(dir.resolve("policy.json"), "roles: {a: {}}");
    assertThatThrownBy(() -> Policy.load(json)).hasMessageStartingWith("policy file " + json + ": ");
  }
}
