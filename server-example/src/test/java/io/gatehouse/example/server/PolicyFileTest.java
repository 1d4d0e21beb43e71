package io.gatehouse.example.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.example.tools.ExampleTools;
import io.gatehouse.example.tools.ToolDefinition;
import io.gatehouse.example.tools.Whoami;
import io.gatehouse.transport.auth.AuthMethod;
import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.policy.Policy;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shipped policy file against the RBAC table, for every role and every tool. */
class PolicyFileTest {
  static final Path SHIPPED = Path.of("config/policy.yaml");

  static Principal caller(String... roles) {
    return new Principal("spiffe://gatehouse.local/client/t", Set.of(roles), AuthMethod.CERTIFICATE, "1");
  }

  @Test
  void everyRoleGetsExactlyItsTableEntryForEveryTool() throws Exception {
    Policy policy = Policy.load(SHIPPED);
    for (String role : Rbac.TABLE.keySet()) {
      for (ToolDefinition tool : new ExampleTools().definitions()) {
        assertThat(policy.mayCall(caller(role), tool.name()))
            .as("%s calling %s", role, tool.name())
            .isEqualTo(Rbac.allowed(role, tool));
      }
      assertThat(policy.mayCall(caller(role), Whoami.NAME)).as(role + " whoami").isTrue();
      assertThat(policy.mayAccess(caller(role), Policy.METRICS)).as(role + " metrics")
          .isEqualTo(Rbac.METRICS_ROLES.contains(role));
    }
  }

  @Test
  void readersCannotWriteAnything() throws Exception {
    Policy policy = Policy.load(SHIPPED);
    for (String reader : Set.of("officer", "auditor")) {
      assertThat(new ExampleTools().definitions()).filteredOn(t -> !t.readOnly())
          .allSatisfy(t -> assertThat(policy.mayCall(caller(reader), t.name())).as(t.name()).isFalse());
    }
  }

  @Test
  void noRoleNoUndeclaredRoleAndUnknownToolsAreDenied() throws Exception {
    Policy policy = Policy.load(SHIPPED);
    assertThat(policy.mayCall(caller(), "hr.get_employee")).isFalse();
    assertThat(policy.mayCall(caller(), Whoami.NAME)).isFalse();
    assertThat(policy.mayCall(caller("viewer"), "hr.get_employee")).isFalse();
    assertThat(policy.mayCall(caller("manager"), "payroll.get_salary")).isFalse();
    assertThat(policy.mayAccess(caller("manager"), Policy.METRICS)).isFalse();
    // admin's "*" is the only rule that reaches tools outside the three systems.
    assertThat(policy.mayCall(caller("admin"), "payroll.get_salary")).isTrue();
  }

  @Test
  void theJarCarriesTheSameFile() throws Exception {
    try (var in = PolicyFileTest.class.getResourceAsStream("/io/gatehouse/example/policy.yaml")) {
      assertThat(in).isNotNull();
      assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
          .isEqualTo(java.nio.file.Files.readString(SHIPPED));
    }
  }
}
