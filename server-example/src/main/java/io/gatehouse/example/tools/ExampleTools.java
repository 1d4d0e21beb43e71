package io.gatehouse.example.tools;

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

  /** Every tool as an SDK specification; write tools record the caller's principal id. */
  public List<SyncToolSpecification> specifications() {
    List<SyncToolSpecification> specs = new ArrayList<>();
    specs.add(Whoami.specification());
    definitions.forEach(d -> specs.add(d.toSpecification(Whoami.CALLER)));
    return List.copyOf(specs);
  }
}
