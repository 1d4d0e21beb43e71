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
import io.gatehouse.transport.http.ModernProtocol;
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
  /** Longest MCP tool (and prompt) name; a longer one cannot be registered, so never matches. */
  static final int MAX_TOOL_NAME = 128;
  /**
   * Resource URIs decided on: visible ASCII without quote or backslash, so the name can stand in
   * the {@code WWW-Authenticate} scope and the audit line as it is. Others are refused (400).
   */
  private static final Pattern RESOURCE_URI = Pattern.compile("[\\x21-\\x7e&&[^\"\\\\]]{1,2048}");

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
    Principal principal = RequestPrincipal.orNull(request);
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
    if (toolCall && !isToolName(tool)) {
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
      return authorizePrimitive(request, principal, current, remote);
    }
    if (!tools.contains(tool) || !current.mayCall(principal, tool)) {
      return headerMismatch(request)
          .orElseGet(() -> decisions.toolDenied(principal, tool, tag(tool), start, remote));
    }
    RateLimitDecision toolBudget = limiter.acquireTool(principal, tool, current);
    if (!toolBudget.allowed()) {
      return decisions.rateLimited(principal, tool, tool, start, toolBudget.retryAfterSeconds(),
          "tool rate limit exceeded", remote);
    }
    decisions.toolAllowed(principal, tool, remote);
    return StageResult.proceedNow();
  }

  /**
   * A {@code prompts/get} or {@code resources/read} (and, on the 2025-xx path, {@code
   * resources/subscribe}): the prompt or resource it names must be granted ({@code prompts},
   * {@code resource_uris}). Modern requests are decided from {@code Mcp-Name} before the body is
   * parsed (the endpoint then checks that the body names the same); legacy ones from the parsed
   * body, as a legacy {@code tools/call} is, with the same 403 (docs/authorization.md).
   */
  private CompletionStage<StageResult> authorizePrimitive(GatehouseRequest request,
      Principal principal, Policy current, InetSocketAddress remote) {
    if (!request.path().equals(NettyStreamableServerTransportProvider.PATH)) {
      return StageResult.proceedNow();
    }
    boolean modern = ModernProtocol.isModern(request);
    String method = modern ? ModernProtocol.method(request).orElse(null)
        : request.jsonRpcMethod().orElse(null);
    // A completion for a prompt's argument is about that prompt: the same grant decides.
    boolean completion = !modern && McpSchema.METHOD_COMPLETION_COMPLETE.equals(method)
        && "ref/prompt".equals(completionRef(request, "type"));
    boolean prompt = McpSchema.METHOD_PROMPT_GET.equals(method) || completion;
    boolean resource = McpSchema.METHOD_RESOURCES_READ.equals(method)
        || (!modern && McpSchema.METHOD_RESOURCES_SUBSCRIBE.equals(method));
    if (!prompt && !resource) {
      return StageResult.proceedNow();
    }
    String name = modern ? ModernProtocol.name(request).orElse(null)
        : completion ? completionRef(request, "name") : bodyParam(request, prompt ? "name" : "uri");
    if ((prompt && !isToolName(name))
        || (resource && (name == null || !RESOURCE_URI.matcher(name).matches()))) {
      return StageResult.rejectNow(HttpResponseStatus.BAD_REQUEST, "invalid_request",
          prompt ? method + " needs a valid prompt name (letters, digits, '_', '-', '.')"
              : method + " needs a resource URI of visible ASCII characters");
    }
    if (prompt && !current.mayGetPrompt(principal, name)) {
      return headerMismatch(request).orElseGet(() -> decisions.primitiveDenied(principal,
          "prompt:" + name, "prompt '" + name + "'", remote));
    }
    if (resource && !current.mayReadResource(principal, name)) {
      return headerMismatch(request).orElseGet(() -> decisions.primitiveDenied(principal,
          "resource:" + name, "resource '" + name + "'", remote));
    }
    return StageResult.proceedNow();
  }

  /**
   * MCP tool names: 1 to {@value #MAX_TOOL_NAME} of {@code A-Z a-z 0-9 _ . -} (the regex {@code
   * [A-Za-z0-9_.-]{1,128}}, checked by hand: this runs for every call); null is not one.
   */
  static boolean isToolName(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_TOOL_NAME) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** {@code params.ref.<key>} of a legacy {@code completion/complete}; null when absent. */
  private static String completionRef(GatehouseRequest request, String key) {
    return request.jsonRpcMessage()
        .filter(McpSchema.JSONRPCRequest.class::isInstance)
        .map(m -> ((McpSchema.JSONRPCRequest) m).params())
        .filter(Map.class::isInstance)
        .map(p -> ((Map<?, ?>) p).get("ref"))
        .filter(Map.class::isInstance)
        .map(ref -> ((Map<?, ?>) ref).get(key))
        .filter(String.class::isInstance)
        .map(String.class::cast)
        .orElse(null);
  }

  /** A string parameter of a legacy request body; null when absent or not a string. */
  private static String bodyParam(GatehouseRequest request, String key) {
    return request.jsonRpcMessage()
        .filter(McpSchema.JSONRPCRequest.class::isInstance)
        .map(m -> ((McpSchema.JSONRPCRequest) m).params())
        .filter(Map.class::isInstance)
        .map(p -> ((Map<?, ?>) p).get(key))
        .filter(String.class::isInstance)
        .map(String.class::cast)
        .orElse(null);
  }

  /**
   * For a modern request about to be refused from its headers: 400 HeaderMismatch instead when
   * the body (if it parses) names another method or primitive than the headers, as the
   * specification requires for a mismatch. A body that does not parse keeps the refusal.
   */
  private static java.util.Optional<CompletionStage<StageResult>> headerMismatch(
      GatehouseRequest request) {
    if (!ModernProtocol.isModern(request)) {
      return java.util.Optional.empty();
    }
    return request.jsonRpcMessage()
        .filter(McpSchema.JSONRPCRequest.class::isInstance)
        .map(McpSchema.JSONRPCRequest.class::cast)
        .map(r -> ModernProtocol.mismatch(request, r.method(), r.params()))
        .map(message -> java.util.concurrent.CompletableFuture.completedStage(StageResult.respond(
            ModernProtocol.headerMismatch(ModernProtocol.requestId(request), message))));
  }

  private String tag(String tool) {
    return tools.contains(tool) ? tool : AuthMetrics.UNREGISTERED_TOOL;
  }
}
