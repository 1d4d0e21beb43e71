package io.gatehouse.example.tools;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A project tracker: projects and their tasks. */
public final class ProjectTools {
  /** A project. */
  public record Project(String id, String name, String owner, String status) {}

  /** A task within a project, with who created it. */
  public record Task(
      String id, String projectId, String title, String assignee, String status, String createdBy) {}

  private static final List<String> TASK_STATUSES = List.of("todo", "in_progress", "done");

  private final Map<String, Project> projects = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Task> tasks = new ConcurrentHashMap<>();
  private final AtomicInteger nextTask = new AtomicInteger(104);

  /** The tracker with the example data set. */
  public ProjectTools() {
    for (Project p : List.of(
        new Project("P-10", "Payments v2", "E-1001", "active"),
        new Project("P-11", "Office move Hamburg", "E-1005", "planning"))) {
      projects.put(p.id(), p);
    }
    for (Task t : List.of(
        new Task("T-101", "P-10", "Tokenise card storage", "E-1002", "in_progress", "seed"),
        new Task("T-102", "P-10", "PCI scope review", "E-1001", "todo", "seed"),
        new Task("T-103", "P-11", "Collect desk requirements", "E-1004", "done", "seed"))) {
      tasks.put(t.id(), t);
    }
  }

  /** The project tools. */
  public List<ToolDefinition> tools() {
    return List.of(
        new ToolDefinition("projects.list_projects",
            "List all projects with their owner (an employee id) and status.",
            Schema.object(), true,
            (args, caller) -> Map.of("projects", projects.values().stream()
                .sorted(Comparator.comparing(Project::id)).toList())),
        new ToolDefinition("projects.list_tasks",
            "List the tasks of one project (e.g. P-10), optionally only those in one status.",
            Schema.object()
                .string("project_id", "Project id, e.g. P-10", true)
                .choice("status", "Only tasks in this status", TASK_STATUSES, false),
            true,
            (args, caller) -> {
              String project = project(args.string("project_id")).id();
              var status = args.optionalChoice("status", TASK_STATUSES);
              return Map.of("tasks", tasks.values().stream()
                  .filter(t -> t.projectId().equals(project))
                  .filter(t -> status.map(t.status()::equals).orElse(true))
                  .sorted(Comparator.comparing(Task::id)).toList());
            }),
        new ToolDefinition("projects.create_task",
            "Create a task in a project. It starts in status 'todo' and records the creating caller.",
            Schema.object()
                .string("project_id", "Project id, e.g. P-10", true)
                .string("title", "What needs doing", true)
                .string("assignee", "Employee id to assign, e.g. E-1002", false),
            false,
            (args, caller) -> {
              String project = project(args.string("project_id")).id();
              Task task = new Task("T-" + nextTask.getAndIncrement(), project, args.string("title"),
                  args.optionalString("assignee").orElse(null), "todo", caller);
              tasks.put(task.id(), task);
              return task;
            }),
        new ToolDefinition("projects.update_task_status",
            "Move a task to another status (todo, in_progress, done).",
            Schema.object()
                .string("task_id", "Task id, e.g. T-101", true)
                .choice("status", "The new status", TASK_STATUSES, true),
            false,
            (args, caller) -> {
              String id = args.string("task_id");
              String status = args.choice("status", TASK_STATUSES);
              Task updated = tasks.computeIfPresent(id, (key, t) ->
                  new Task(t.id(), t.projectId(), t.title(), t.assignee(), status, t.createdBy()));
              if (updated == null) {
                throw new ToolError("no task with id '" + id + "'");
              }
              return updated;
            }));
  }

  private Project project(String id) {
    Project p = projects.get(id);
    if (p == null) {
      throw new ToolError("no project with id '" + id + "'");
    }
    return p;
  }
}
