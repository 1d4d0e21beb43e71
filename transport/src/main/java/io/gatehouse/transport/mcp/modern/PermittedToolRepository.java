package io.gatehouse.transport.mcp.modern;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.modern.McpSchema;
import io.modelcontextprotocol.modern.server.McpAsyncNotifier;
import io.modelcontextprotocol.modern.server.McpAsyncResponse;
import io.modelcontextprotocol.modern.server.McpRequestContext;
import io.modelcontextprotocol.modern.server.McpSyncNotifier;
import io.modelcontextprotocol.modern.server.McpSyncResponse;
import io.modelcontextprotocol.modern.server.feature.McpAsyncTool;
import io.modelcontextprotocol.modern.server.feature.McpAsyncToolRepository;
import io.modelcontextprotocol.modern.server.feature.McpSyncTool;
import io.modelcontextprotocol.modern.server.feature.ToolsPage;
import io.modelcontextprotocol.server.McpSyncListFilter;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The modern path's tools, filtered per caller like the legacy {@code tools/list}: a caller lists
 * and finds only the tools the visibility check lets it call (with Gatehouse's auth, the policy in
 * force, through the same {@code McpTransportContext} principal). The list is sorted by name (the
 * specification asks for a deterministic order) and marked {@code cacheScope: "private"}, because
 * it differs between callers.
 *
 * <p>An asynchronous repository: listing and finding are in-memory checks and answer at once on
 * the calling thread (the event loop), with no thread hop. Only a synchronous tool's handler,
 * which may block, is run on Reactor's bounded-elastic workers, as the SDK's own sync adapter
 * does; an asynchronous tool's handler runs where it is called and must not block.
 */
public final class PermittedToolRepository implements McpAsyncToolRepository {
  /** How long a client may reuse a {@code tools/list} result ({@code ttlMs}). */
  public static final long LIST_TTL_MILLIS = 60_000;

  private final Map<String, McpAsyncTool> tools;
  private final List<McpSchema.Tool> definitions;
  private final BiPredicate<McpTransportContext, String> visible;

  private PermittedToolRepository(List<McpSyncTool> syncTools, List<McpAsyncTool> asyncTools,
      BiPredicate<McpTransportContext, String> visible) {
    Map<String, McpAsyncTool> byName = new TreeMap<>(Comparator.naturalOrder());
    for (McpSyncTool tool : syncTools) {
      add(byName, offloaded(tool));
    }
    for (McpAsyncTool tool : asyncTools) {
      add(byName, tool);
    }
    this.tools = Collections.unmodifiableMap(byName);
    this.definitions = byName.values().stream().map(McpAsyncTool::definition).toList();
    this.visible = visible;
  }

  private static void add(Map<String, McpAsyncTool> byName, McpAsyncTool tool) {
    if (byName.put(tool.definition().name(), tool) != null) {
      throw new IllegalArgumentException("duplicate tool " + tool.definition().name());
    }
  }

  /** {@code tools}, each visible where {@code visible(context, name)} holds. */
  public static PermittedToolRepository of(List<McpSyncTool> tools,
      BiPredicate<McpTransportContext, String> visible) {
    return new PermittedToolRepository(tools, List.of(), visible);
  }

  /** Synchronous and asynchronous tools together (names unique across both). */
  public static PermittedToolRepository of(List<McpSyncTool> syncTools,
      List<McpAsyncTool> asyncTools, BiPredicate<McpTransportContext, String> visible) {
    return new PermittedToolRepository(syncTools, asyncTools, visible);
  }

  /**
   * {@code tools}, visible where the legacy {@code tools/list} filter (e.g. {@code
   * GatehouseAuth.toolListFilter()}) shows a tool of the same name: one policy for both paths.
   */
  public static PermittedToolRepository filteredLike(List<McpSyncTool> tools,
      McpSyncListFilter<io.modelcontextprotocol.spec.McpSchema.Tool> legacyFilter) {
    return filteredLike(tools, List.of(), legacyFilter);
  }

  /** As {@link #filteredLike(List, McpSyncListFilter)}, with asynchronous tools too. */
  public static PermittedToolRepository filteredLike(List<McpSyncTool> syncTools,
      List<McpAsyncTool> asyncTools,
      McpSyncListFilter<io.modelcontextprotocol.spec.McpSchema.Tool> legacyFilter) {
    // The filter takes a legacy Tool; one per name, built once, not one per check.
    Map<String, io.modelcontextprotocol.spec.McpSchema.Tool> legacy = new ConcurrentHashMap<>();
    return new PermittedToolRepository(syncTools, asyncTools, (context, name) -> legacyFilter
        .isVisible(context, legacy.computeIfAbsent(name, n -> io.modelcontextprotocol.spec.McpSchema
            .Tool.builder(n, Map.of("type", "object")).build())));
  }

  /** The names of every tool, visible or not (for {@code RegisteredTools.of(Set)}). */
  public java.util.Set<String> names() {
    return tools.keySet();
  }

  @Override
  public Mono<ToolsPage> list(McpRequestContext context, String cursor) {
    McpTransportContext transport = context.transportContext();
    List<McpSchema.Tool> page = definitions.stream()
        .filter(t -> visible.test(transport, t.name()))
        .toList();
    return Mono.just(new ToolsPage(page, null, LIST_TTL_MILLIS, McpSchema.CacheScope.PRIVATE));
  }

  @Override
  public Mono<McpAsyncTool> find(McpRequestContext context, String name) {
    McpAsyncTool tool = name == null ? null : tools.get(name);
    // Authorization refused a forbidden call already; this is the second lock on the same door.
    return tool != null && visible.test(context.transportContext(), name)
        ? Mono.just(tool) : Mono.empty();
  }

  /**
   * A synchronous tool as an asynchronous one whose handler (and streaming body) runs on a
   * bounded-elastic worker, never on the caller's thread, unless the request was dispatched with
   * {@code handleBlocking} (the caller already is a thread that may block): what the SDK's {@code
   * ToolsFeature.ofSync} does.
   */
  static McpAsyncTool offloaded(McpSyncTool tool) {
    return McpAsyncTool.of(tool.definition(), tool.requiredCapabilities(),
        (ctx, request) -> offload(ctx, () -> tool.handler().call(ctx, request))
            .map(response -> async(ctx, response)));
  }

  private static <O> McpAsyncResponse<O> async(McpRequestContext ctx, McpSyncResponse<O> response) {
    if (response instanceof McpSyncResponse.Result<O> result) {
      return McpAsyncResponse.result(result.result());
    }
    McpSyncResponse.Body<O> body = ((McpSyncResponse.Streaming<O>) response).body();
    return McpAsyncResponse.streaming(notifier -> offload(ctx,
        () -> body.run(new BlockingNotifier(notifier))));
  }

  private static <T> Mono<T> offload(McpRequestContext ctx, java.util.concurrent.Callable<T> call) {
    Mono<T> mono = Mono.fromCallable(call);
    return ctx.isBlocking() ? mono : mono.subscribeOn(Schedulers.boundedElastic());
  }

  /** A sync body's notifier: waits for each notification to be queued (on its worker thread). */
  private record BlockingNotifier(McpAsyncNotifier delegate) implements McpSyncNotifier {
    @Override
    public void progress(double progress, Double total, String message) {
      delegate.progress(progress, total, message).block();
    }

    @Override
    public void notify(String method, Object params) {
      delegate.notify(method, params).block();
    }
  }
}
