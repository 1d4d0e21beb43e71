package io.gatehouse.example.tools;

import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Every tool of the example server over one fresh in-memory data set: HR, projects, CRM, whoami. */
public final class ExampleTools {
  private final List<ToolDefinition> definitions;

  /** A fresh data set. */
  public ExampleTools() {
    definitions = Stream.of(new HrTools().tools(), new ProjectTools().tools(), new CrmTools().tools())
        .flatMap(List::stream).toList();
  }

  /** The HR, projects and CRM tools (not {@code whoami}). */
  public List<ToolDefinition> definitions() {
    return definitions;
  }

  /**
   * Every tool for MCP 2026-07-28, from the same definitions as {@link #specifications()}; write
   * tools record the caller's principal id.
   */
  public List<McpSyncTool> modernTools() {
    List<McpSyncTool> tools = new ArrayList<>();
    tools.add(Whoami.modernTool());
    definitions.forEach(d -> tools.add(d.toModernTool(Whoami.CONTEXT_CALLER)));
    return List.copyOf(tools);
  }

  /** Every tool as an SDK specification; write tools record the caller's principal id. */
  public List<SyncToolSpecification> specifications() {
    List<SyncToolSpecification> specs = new ArrayList<>();
    specs.add(Whoami.specification());
    definitions.forEach(d -> specs.add(d.toSpecification(Whoami.CALLER)));
    return List.copyOf(specs);
  }
}
