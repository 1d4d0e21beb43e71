package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.Principal;
import io.gatehouse.transport.auth.RequestPrincipal;
import io.gatehouse.transport.auth.policy.Policy;
import io.gatehouse.transport.auth.policy.ReloadingPolicy;
import io.gatehouse.transport.auth.ratelimit.RateLimitDecision;
import io.gatehouse.transport.auth.ratelimit.RateLimiter;
import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.http.StageResult;
import io.gatehouse.transport.mcp.NettyStreamableServerTransportProvider;
import io.gatehouse.transport.mcp.modern.ModernProtocol;
import io.modelcontextprotocol.spec.McpSchema;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * Authorizes each request against the policy in force: the per-principal rate limit, then for
 * HTTP resources (e.g. {@code /metrics} → {@code metrics}) the resource grant, and for a {@code
 * tools/call} the tool grant and the per-tool rate limit — before the SDK sees the call. An
 * unregistered tool is refused exactly like a forbidden one. Every tool-call decision is audited.
 * Runs on the event loop: each check is a few hash lookups.
 */
final class AuthorizeStage implements RequestStage {
  /** MCP tool names: 1 to 128 of these characters; others cannot be registered, so never match. */
  private static final Pattern TOOL_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,128}");

  private final ReloadingPolicy policy;
  private final RateLimiter limiter;
  private final RegisteredTools tools;
  private final Map<String, String> resources;
  private final Decisions decisions;

  /** @param resources HTTP paths that are policy resources, e.g. {@code /metrics → metrics} */
  AuthorizeStage(ReloadingPolicy policy, RateLimiter limiter, RegisteredTools tools,
      Map<String, String> resources, Decisions decisions) {
    this.policy = policy;
    this.limiter = limiter;
    this.tools = tools;
    this.resources = Map.copyOf(resources);
    this.decisions = decisions;
  }

  @Override
  public String name() {
    return "authorize";
  }

  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    Principal principal = RequestPrincipal.get(request).orElse(null);
    if (principal == null) {
      return decisions.refusals().authenticationRequired();
    }
    Policy current = policy.current();
    InetSocketAddress remote = request.remoteAddress();
    String resource = resources.get(request.path());
    if (resource != null && !current.mayAccess(principal, resource)) {
      return decisions.resourceDenied(principal, resource, remote);
    }
    boolean toolCall = request.path().equals(NettyStreamableServerTransportProvider.PATH)
        && ModernProtocol.authorizedMethod(request)
            .filter(McpSchema.METHOD_TOOLS_CALL::equals).isPresent();
    // Modern requests: from Mcp-Method/Mcp-Name, before the body is parsed (docs/transport.md).
    String tool = toolCall ? ModernProtocol.authorizedToolName(request).orElse(null) : null;
    if (toolCall && (tool == null || !TOOL_NAME.matcher(tool).matches())) {
      return StageResult.rejectNow(HttpResponseStatus.BAD_REQUEST, "invalid_request",
          "tools/call needs params.name, a valid tool name");
    }
    long start = System.nanoTime();
    RateLimitDecision budget = limiter.acquire(principal, current);
    if (!budget.allowed()) {
      return decisions.rateLimited(principal, tool, toolCall ? tag(tool) : null, start,
          budget.retryAfterSeconds(), "request rate limit exceeded", remote);
    }
    if (resource != null) {
      decisions.resourceAllowed(principal, resource, remote);
      return StageResult.proceedNow();
    }
    if (!toolCall) {
      return StageResult.proceedNow();
    }
    if (!tools.contains(tool) || !current.mayCall(principal, tool)) {
      return decisions.toolDenied(principal, tool, tag(tool), start, remote);
    }
    RateLimitDecision toolBudget = limiter.acquireTool(principal, tool, current);
    if (!toolBudget.allowed()) {
      return decisions.rateLimited(principal, tool, tool, start, toolBudget.retryAfterSeconds(),
          "tool rate limit exceeded", remote);
    }
    decisions.toolAllowed(principal, tool, remote);
    return StageResult.proceedNow();
  }

  private String tag(String tool) {
    return tools.contains(tool) ? tool : AuthMetrics.UNREGISTERED_TOOL;
  }
}
