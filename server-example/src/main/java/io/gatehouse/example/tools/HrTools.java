package io.gatehouse.example.tools;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** An HR system: employees and their leave requests. */
public final class HrTools {
  /** An employee record as HR shows it. */
  public record Employee(
      String id, String name, String title, String department, String manager, String location) {}

  /** A leave request and, once decided, who decided it. */
  public record LeaveRequest(
      String id, String employeeId, String type, LocalDate from, LocalDate to, String status,
      String decidedBy, String note) {}

  private static final List<String> LEAVE_STATUSES = List.of("pending", "approved", "rejected");

  private final Map<String, Employee> employees = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, LeaveRequest> leave = new ConcurrentHashMap<>();

  /** HR with the example data set. */
  public HrTools() {
    for (Employee e : List.of(
        new Employee("E-1001", "Dana Whitfield", "Engineering Manager", "engineering", null, "Berlin"),
        new Employee("E-1002", "Ravi Menon", "Backend Engineer", "engineering", "E-1001", "Berlin"),
        new Employee("E-1003", "Lucia Ortega", "Account Executive", "sales", "E-1005", "Madrid"),
        new Employee("E-1004", "Tom Becker", "HR Officer", "people", "E-1005", "Hamburg"),
        new Employee("E-1005", "Amara Okafor", "VP Operations", "operations", null, "London"))) {
      employees.put(e.id(), e);
    }
    for (LeaveRequest r : List.of(
        new LeaveRequest("L-201", "E-1002", "vacation", LocalDate.of(2026, 12, 21),
            LocalDate.of(2026, 12, 31), "pending", null, null),
        new LeaveRequest("L-202", "E-1003", "sick", LocalDate.of(2026, 11, 2),
            LocalDate.of(2026, 11, 4), "approved", "spiffe://gatehouse.local/client/amara", null),
        new LeaveRequest("L-203", "E-1004", "parental", LocalDate.of(2027, 2, 1),
            LocalDate.of(2027, 5, 1), "pending", null, null))) {
      leave.put(r.id(), r);
    }
  }

  /** The HR tools. */
  public List<ToolDefinition> tools() {
    return List.of(
        new ToolDefinition("hr.get_employee",
            "Look up one employee by id (e.g. E-1001): name, title, department, manager and location.",
            Schema.object().string("employee_id", "Employee id, e.g. E-1001", true), true,
            (args, caller) -> employee(args.string("employee_id"))),
        new ToolDefinition("hr.list_employees",
            "List employees, optionally only those of one department (engineering, sales, people, operations).",
            Schema.object().string("department", "Department to filter by", false), true,
            (args, caller) -> {
              var department = args.optionalString("department");
              return Map.of("employees", employees.values().stream()
                  .filter(e -> department.map(e.department()::equals).orElse(true))
                  .sorted(java.util.Comparator.comparing(Employee::id)).toList());
            }),
        new ToolDefinition("hr.list_leave_requests",
            "List leave requests, optionally filtered by status (pending, approved, rejected).",
            Schema.object().choice("status", "Only requests in this status", LEAVE_STATUSES, false),
            true,
            (args, caller) -> {
              var status = args.optionalChoice("status", LEAVE_STATUSES);
              return Map.of("leave_requests", leave.values().stream()
                  .filter(r -> status.map(r.status()::equals).orElse(true))
                  .sorted(java.util.Comparator.comparing(LeaveRequest::id)).toList());
            }),
        new ToolDefinition("hr.approve_leave",
            "Approve or reject a pending leave request. Records the deciding caller. Only pending requests can be decided.",
            Schema.object()
                .string("request_id", "Leave request id, e.g. L-201", true)
                .choice("decision", "approve or reject", List.of("approve", "reject"), true)
                .string("note", "Optional note to the employee", false),
            false, this::decideLeave));
  }

  private Employee employee(String id) {
    Employee e = employees.get(id);
    if (e == null) {
      throw new ToolError("no employee with id '" + id + "'");
    }
    return e;
  }

  private LeaveRequest decideLeave(Args args, String caller) {
    String id = args.string("request_id");
    String status = args.choice("decision", List.of("approve", "reject")).equals("approve")
        ? "approved" : "rejected";
    String note = args.optionalString("note").orElse(null);
    boolean[] changed = {false};
    LeaveRequest decided = leave.computeIfPresent(id, (key, r) -> {
      if (!r.status().equals("pending")) {
        return r;
      }
      changed[0] = true;
      return new LeaveRequest(r.id(), r.employeeId(), r.type(), r.from(), r.to(), status, caller, note);
    });
    if (decided == null) {
      throw new ToolError("no leave request with id '" + id + "'");
    }
    if (!changed[0]) {
      throw new ToolError("leave request '" + id + "' is already " + decided.status());
    }
    return decided;
  }
}
