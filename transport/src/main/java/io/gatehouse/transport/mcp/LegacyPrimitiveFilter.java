package io.gatehouse.transport.mcp;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * Per-caller prompts and resources on the 2025-xx session path, with the same visibility checks
 * as the 2026-07-28 path (Gatehouse's auth: the policy's {@code prompts} and {@code
 * resource_uris}). The legacy SDK server lists every registered prompt and resource to everyone,
 * so the transport filters its answer to {@code prompts/list} and {@code resources/list} before
 * it is written (sorted, one page), and drops a {@code notifications/resources/updated} for a URI
 * the session's principal may not read. Gets, reads and subscriptions of a forbidden name are
 * refused earlier, by the authorize stage, before the body reaches the SDK.
 */
public record LegacyPrimitiveFilter(BiPredicate<McpTransportContext, String> promptVisible,
    BiPredicate<McpTransportContext, String> resourceVisible) {
  private static final TypeRef<McpSchema.ListPromptsResult> PROMPTS = new TypeRef<>() {};
  private static final TypeRef<McpSchema.ListResourcesResult> RESOURCES = new TypeRef<>() {};
  private static final TypeRef<McpSchema.ResourcesUpdatedNotification> UPDATED =
      new TypeRef<>() {};

  /** True for the list methods whose answer {@link #filterResponse} rewrites. */
  static boolean filtersListOf(String method) {
    return McpSchema.METHOD_PROMPT_LIST.equals(method)
        || McpSchema.METHOD_RESOURCES_LIST.equals(method);
  }

  /**
   * {@code response} to a {@code method} request as {@code context}'s caller may see it: only
   * granted prompts or resources, sorted by name or URI. Errors and other methods pass as they
   * are; a result that does not parse is replaced by an internal error (fail closed).
   */
  McpSchema.JSONRPCResponse filterResponse(String method, McpSchema.JSONRPCResponse response,
      McpTransportContext context, McpJsonMapper json) {
    if (response.error() != null || response.result() == null || !filtersListOf(method)) {
      return response;
    }
    try {
      Object filtered;
      if (McpSchema.METHOD_PROMPT_LIST.equals(method)) {
        McpSchema.ListPromptsResult all = json.convertValue(response.result(), PROMPTS);
        List<McpSchema.Prompt> permitted = all.prompts().stream()
            .filter(p -> promptVisible.test(context, p.name()))
            .sorted(Comparator.comparing(McpSchema.Prompt::name)).toList();
        filtered = new McpSchema.ListPromptsResult(permitted, null, all.meta());
      } else {
        McpSchema.ListResourcesResult all = json.convertValue(response.result(), RESOURCES);
        List<McpSchema.Resource> permitted = all.resources().stream()
            .filter(r -> resourceVisible.test(context, r.uri()))
            .sorted(Comparator.comparing(McpSchema.Resource::uri)).toList();
        filtered = new McpSchema.ListResourcesResult(permitted, null, all.meta());
      }
      return McpSchema.JSONRPCResponse.result(response.id(), filtered);
    } catch (RuntimeException e) {
      return McpSchema.JSONRPCResponse.error(response.id(),
          new McpSchema.JSONRPCResponse.JSONRPCError(McpSchema.ErrorCodes.INTERNAL_ERROR,
              "internal error"));
    }
  }

  /**
   * Whether a server notification may reach a session of {@code context}'s caller: a {@code
   * notifications/resources/updated} only for a URI it may read now (the grant may have been
   * withdrawn since it subscribed). List-changed notifications name nothing and always pass.
   */
  boolean mayNotify(String method, Object params, McpTransportContext context, McpJsonMapper json) {
    if (!McpSchema.METHOD_NOTIFICATION_RESOURCES_UPDATED.equals(method)) {
      return true;
    }
    try {
      McpSchema.ResourcesUpdatedNotification updated =
          params == null ? null : json.convertValue(params, UPDATED);
      return updated != null && updated.uri() != null
          && resourceVisible.test(context, updated.uri());
    } catch (RuntimeException e) {
      return false;
    }
  }
}
