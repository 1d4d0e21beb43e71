package io.gatehouse.transport.mcp.modern;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.McpSyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import io.modelcontextprotocol.server.McpSyncListFilter;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;

/**
 * The modern path's tools, filtered per caller like the legacy {@code tools/list}: a caller lists
 * and finds only the tools the visibility check lets it call (with Gatehouse's auth, the policy in
 * force, through the same {@code McpTransportContext} principal). The list is sorted by name (the
 * specification asks for a deterministic order) and marked {@code cacheScope: "private"}, because
 * it differs between callers.
 */
public final class PermittedToolRepository implements McpSyncToolRepository {
  /** How long a client may reuse a {@code tools/list} result ({@code ttlMs}). */
  public static final long LIST_TTL_MILLIS = 60_000;

  private final Map<String, McpSyncTool> tools;
  private final BiPredicate<McpTransportContext, String> visible;

  private PermittedToolRepository(List<McpSyncTool> tools,
      BiPredicate<McpTransportContext, String> visible) {
    Map<String, McpSyncTool> byName = new TreeMap<>(Comparator.naturalOrder());
    for (McpSyncTool tool : tools) {
      if (byName.put(tool.definition().name(), tool) != null) {
        throw new IllegalArgumentException("duplicate tool " + tool.definition().name());
      }
    }
    this.tools = java.util.Collections.unmodifiableMap(byName);
    this.visible = visible;
  }

  /** {@code tools}, each visible where {@code visible(context, name)} holds. */
  public static PermittedToolRepository of(List<McpSyncTool> tools,
      BiPredicate<McpTransportContext, String> visible) {
    return new PermittedToolRepository(tools, visible);
  }

  /**
   * {@code tools}, visible where the legacy {@code tools/list} filter (e.g. {@code
   * GatehouseAuth.toolListFilter()}) shows a tool of the same name: one policy for both paths.
   */
  public static PermittedToolRepository filteredLike(List<McpSyncTool> tools,
      McpSyncListFilter<io.modelcontextprotocol.spec.McpSchema.Tool> legacyFilter) {
    return new PermittedToolRepository(tools, (context, name) -> legacyFilter.isVisible(context,
        io.modelcontextprotocol.spec.McpSchema.Tool.builder(name, Map.of("type", "object")).build()));
  }

  /** The names of every tool, visible or not (for {@code RegisteredTools.of(Set)}). */
  public java.util.Set<String> names() {
    return tools.keySet();
  }

  @Override
  public ToolsPage list(McpRequestContext context, String cursor) {
    McpTransportContext transport = context.transportContext();
    List<McpSchema.Tool> page = tools.values().stream()
        .filter(t -> visible.test(transport, t.definition().name()))
        .map(McpSyncTool::definition)
        .toList();
    return new ToolsPage(page, null, LIST_TTL_MILLIS, McpSchema.CacheScope.PRIVATE);
  }

  @Override
  public McpSyncTool find(McpRequestContext context, String name) {
    McpSyncTool tool = name == null ? null : tools.get(name);
    // Authorization refused a forbidden call already; this is the second lock on the same door.
    return tool != null && visible.test(context.transportContext(), name) ? tool : null;
  }
}
