package io.gatehouse.example.server;

import io.gatehouse.example.tools.ExampleTools;
import io.gatehouse.example.tools.ToolDefinition;
import io.gatehouse.example.tools.Whoami;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The access the shipped policy must give, written independently of it: per role and tool group,
 * none, read (the tools flagged read-only) or write (every tool of the group). Everyone with a
 * role gets whoami; only admin gets /metrics.
 */
public final class Rbac {
  public enum Access { NONE, READ, WRITE }

  public static final Map<String, Map<String, Access>> TABLE = Map.of(
      "officer", Map.of("hr", Access.READ, "projects", Access.NONE, "crm", Access.NONE),
      "assistant-manager", Map.of("hr", Access.WRITE, "projects", Access.WRITE, "crm", Access.NONE),
      "manager", Map.of("hr", Access.WRITE, "projects", Access.WRITE, "crm", Access.WRITE),
      "admin", Map.of("hr", Access.WRITE, "projects", Access.WRITE, "crm", Access.WRITE),
      "auditor", Map.of("hr", Access.READ, "projects", Access.READ, "crm", Access.READ));

  public static final Set<String> METRICS_ROLES = Set.of("admin");

  private Rbac() {}

  public static String group(String tool) {
    return tool.substring(0, tool.indexOf('.'));
  }

  /** Whether {@code role} may call {@code tool} according to the table. */
  public static boolean allowed(String role, ToolDefinition tool) {
    return switch (TABLE.get(role).get(group(tool.name()))) {
      case NONE -> false;
      case READ -> tool.readOnly();
      case WRITE -> true;
    };
  }

  /** Every tool {@code role} may call, whoami included, sorted. */
  public static Set<String> visible(String role) {
    Set<String> names = new TreeSet<>();
    names.add(Whoami.NAME);
    new ExampleTools().definitions().stream().filter(t -> allowed(role, t))
        .forEach(t -> names.add(t.name()));
    return names;
  }
}
