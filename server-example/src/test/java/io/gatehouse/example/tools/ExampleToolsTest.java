package io.gatehouse.example.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ExampleToolsTest {
  private final HrTools hr = new HrTools();
  private final ProjectTools projects = new ProjectTools();
  private final CrmTools crm = new CrmTools();

  private Object call(List<ToolDefinition> tools, String name, String caller, Object... kv) {
    Map<String, Object> args = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      args.put((String) kv[i], kv[i + 1]);
    }
    ToolDefinition tool = tools.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow();
    return tool.handler().handle(new Args(args), caller);
  }

  @Test
  void bothProtocolGenerationsServeTheSameToolsFromOneDefinition() {
    ExampleTools example = new ExampleTools();
    var legacy = example.specifications().stream().map(s -> s.tool()).toList();
    var modern = example.modernTools().stream().map(t -> t.definition()).toList();
    assertThat(modern).extracting(t -> t.name())
        .containsExactlyElementsOf(legacy.stream().map(t -> t.name()).toList());
    for (int i = 0; i < legacy.size(); i++) {
      assertThat(modern.get(i).description()).isEqualTo(legacy.get(i).description());
      assertThat(modern.get(i).annotations().readOnlyHint())
          .isEqualTo(legacy.get(i).annotations().readOnlyHint());
      assertThat(modern.get(i).inputSchema().get("properties"))
          .as(legacy.get(i).name()).isEqualTo(legacy.get(i).inputSchema().get("properties"));
    }
  }

  @Test
  void readToolsAreNamedSoPoliciesCanTellReadersFromWriters() {
    Stream.of(hr.tools(), projects.tools(), crm.tools()).flatMap(List::stream).forEach(t -> {
      String verb = t.name().substring(t.name().indexOf('.') + 1);
      boolean namedAsRead = verb.startsWith("get_") || verb.startsWith("list_") || verb.startsWith("search_");
      assertThat(namedAsRead).as(t.name()).isEqualTo(t.readOnly());
      assertThat(t.description()).as(t.name()).hasSizeGreaterThan(30);
    });
  }

  @Test
  void leaveDecisionIsVisibleToLaterReadsAndHappensOnce() {
    var decided = (HrTools.LeaveRequest) call(hr.tools(), "hr.approve_leave", "spiffe://d/client/alice",
        "request_id", "L-201", "decision", "approve");
    assertThat(decided.status()).isEqualTo("approved");
    assertThat(decided.decidedBy()).isEqualTo("spiffe://d/client/alice");
    @SuppressWarnings("unchecked")
    var pending = (Map<String, List<HrTools.LeaveRequest>>) call(hr.tools(), "hr.list_leave_requests", "x",
        "status", "pending");
    assertThat(pending.get("leave_requests")).extracting(HrTools.LeaveRequest::id).doesNotContain("L-201");
    assertThatThrownBy(() -> call(hr.tools(), "hr.approve_leave", "spiffe://d/client/alice",
        "request_id", "L-201", "decision", "reject"))
        .isInstanceOf(ToolError.class).hasMessageContaining("already approved");
  }

  @Test
  void createdTasksAppearInTheProjectList() {
    var task = (ProjectTools.Task) call(projects.tools(), "projects.create_task", "bob",
        "project_id", "P-10", "title", "Threat model");
    @SuppressWarnings("unchecked")
    var list = (Map<String, List<ProjectTools.Task>>) call(projects.tools(), "projects.list_tasks", "x",
        "project_id", "P-10", "status", "todo");
    assertThat(list.get("tasks")).contains(task);
    assertThat(task.createdBy()).isEqualTo("bob");
  }

  @Test
  void badArgumentsAreToolErrorsNamingTheArgument() {
    assertThatThrownBy(() -> call(crm.tools(), "crm.get_customer", "x"))
        .isInstanceOf(ToolError.class).hasMessageContaining("customer_id");
    assertThatThrownBy(() -> call(crm.tools(), "crm.get_customer", "x", "customer_id", 5))
        .isInstanceOf(ToolError.class).hasMessageContaining("must be a string");
    assertThatThrownBy(() -> call(crm.tools(), "crm.update_opportunity", "x",
        "opportunity_id", "O-900", "stage", "won", "amount_eur", -3))
        .isInstanceOf(ToolError.class).hasMessageContaining("non-negative");
    assertThatThrownBy(() -> call(crm.tools(), "crm.update_opportunity", "x",
        "opportunity_id", "O-900", "stage", "sold"))
        .isInstanceOf(ToolError.class).hasMessageContaining("one of");
    assertThatThrownBy(() -> call(hr.tools(), "hr.get_employee", "x", "employee_id", "E-9"))
        .isInstanceOf(ToolError.class).hasMessageContaining("no employee");
  }
}
