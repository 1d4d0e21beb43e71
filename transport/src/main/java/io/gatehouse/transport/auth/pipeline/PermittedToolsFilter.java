package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.policy.ReloadingPolicy;
import io.gatehouse.transport.mcp.context.McpContextKeys;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpSyncListFilter;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * The SDK's {@code tools/list} filter: a caller sees only the tools the policy in force lets it
 * call. The principal comes from the transport context the Gatehouse transport sets; without one,
 * nothing is visible.
 */
final class PermittedToolsFilter implements McpSyncListFilter<McpSchema.Tool> {
  private final ReloadingPolicy policy;

  PermittedToolsFilter(ReloadingPolicy policy) {
    this.policy = policy;
  }

  @Override
  public boolean isVisible(McpTransportContext context, McpSchema.Tool tool) {
    Principal principal = context == null ? null : McpContextKeys.principal(context).orElse(null);
    return principal != null && policy.current().mayCall(principal, tool.name());
  }
}
