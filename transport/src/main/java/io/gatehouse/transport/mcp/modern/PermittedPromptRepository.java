package io.gatehouse.transport.mcp.modern;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.feature.McpSyncPrompt;
import io.modelcontextprotocol.modern.server.feature.McpSyncPromptRepository;
import io.modelcontextprotocol.modern.server.feature.PromptsPage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * The modern path's prompts, filtered per caller like {@link PermittedToolRepository}: {@code
 * prompts/list} shows only the prompts the visibility check grants the caller, sorted by name,
 * with {@code cacheScope: "private"}; {@code prompts/get} of another is not found (authorization
 * refused it from {@code Mcp-Name} already). Every page of the delegate is read, so the filtered
 * list is complete.
 */
public final class PermittedPromptRepository implements McpSyncPromptRepository {
  /** Bounds the pages read from the delegate for one list (a delegate that never ends its cursor). */
  private static final int MAX_PAGES = 100;

  private final McpSyncPromptRepository delegate;
  private final BiPredicate<McpTransportContext, String> visible;

  public PermittedPromptRepository(McpSyncPromptRepository delegate,
      BiPredicate<McpTransportContext, String> visible) {
    this.delegate = delegate;
    this.visible = visible;
  }

  @Override
  public PromptsPage list(McpRequestContext context, String cursor) {
    McpTransportContext transport = context.transportContext();
    List<McpSchema.Prompt> all = new ArrayList<>();
    String next = null;
    for (int page = 0; page < MAX_PAGES; page++) {
      PromptsPage p = delegate.list(context, next);
      all.addAll(p.prompts());
      next = p.nextCursor();
      if (next == null) {
        break;
      }
    }
    List<McpSchema.Prompt> permitted = all.stream()
        .filter(p -> visible.test(transport, p.name()))
        .sorted(Comparator.comparing(McpSchema.Prompt::name))
        .toList();
    return new PromptsPage(permitted, null, PermittedToolRepository.LIST_TTL_MILLIS,
        McpSchema.CacheScope.PRIVATE);
  }

  @Override
  public McpSyncPrompt find(McpRequestContext context, String name) {
    return name != null && visible.test(context.transportContext(), name)
        ? delegate.find(context, name) : null;
  }

  @Override
  public boolean supportsCompletion() {
    return delegate.supportsCompletion();
  }
}
