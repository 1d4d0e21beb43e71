package io.gatehouse.transport.mcp.modern;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.feature.McpSyncResource;
import io.modelcontextprotocol.modern.server.feature.McpSyncResourceRepository;
import io.modelcontextprotocol.modern.server.feature.McpSyncResourceTemplate;
import io.modelcontextprotocol.modern.server.feature.ResourceTemplatesPage;
import io.modelcontextprotocol.modern.server.feature.ResourcesPage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * The modern path's resources, filtered per caller like {@link PermittedToolRepository}: {@code
 * resources/list} shows only the URIs the visibility check grants the caller, sorted by URI, with
 * {@code cacheScope: "private"}; reading another URI, directly or through a template, is not
 * found (authorization refused it from {@code Mcp-Name} already). Templates are listed as the
 * delegate lists them: a template names no resource by itself.
 */
public final class PermittedResourceRepository implements McpSyncResourceRepository {
  /** Bounds the pages read from the delegate for one list (a delegate that never ends its cursor). */
  private static final int MAX_PAGES = 100;

  private final McpSyncResourceRepository delegate;
  private final BiPredicate<McpTransportContext, String> visible;

  public PermittedResourceRepository(McpSyncResourceRepository delegate,
      BiPredicate<McpTransportContext, String> visible) {
    this.delegate = delegate;
    this.visible = visible;
  }

  @Override
  public ResourcesPage list(McpRequestContext context, String cursor) {
    McpTransportContext transport = context.transportContext();
    List<McpSchema.Resource> all = new ArrayList<>();
    String next = null;
    for (int page = 0; page < MAX_PAGES; page++) {
      ResourcesPage p = delegate.list(context, next);
      all.addAll(p.resources());
      next = p.nextCursor();
      if (next == null) {
        break;
      }
    }
    List<McpSchema.Resource> permitted = all.stream()
        .filter(r -> visible.test(transport, r.uri()))
        .sorted(Comparator.comparing(McpSchema.Resource::uri))
        .toList();
    return new ResourcesPage(permitted, null, PermittedToolRepository.LIST_TTL_MILLIS,
        McpSchema.CacheScope.PRIVATE);
  }

  @Override
  public ResourceTemplatesPage listTemplates(McpRequestContext context, String cursor) {
    return delegate.listTemplates(context, cursor);
  }

  @Override
  public McpSyncResource find(McpRequestContext context, String uri) {
    return uri != null && visible.test(context.transportContext(), uri)
        ? delegate.find(context, uri) : null;
  }

  @Override
  public McpSyncResourceTemplate findTemplate(McpRequestContext context, String uri) {
    return uri != null && visible.test(context.transportContext(), uri)
        ? delegate.findTemplate(context, uri) : null;
  }

  @Override
  public boolean supportsSubscribe() {
    return delegate.supportsSubscribe();
  }

  @Override
  public boolean supportsCompletion() {
    return delegate.supportsCompletion();
  }
}
