package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.http.GatehouseRequest;
import io.gatehouse.transport.http.HttpResponses;
import io.gatehouse.transport.http.RequestStage;
import io.gatehouse.transport.http.StageResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import tools.jackson.databind.json.JsonMapper;

/**
 * RFC 9728 OAuth 2.0 Protected Resource Metadata, unauthenticated, at {@value #PATH} and at
 * {@value #PATH} followed by the resource's path (e.g. {@code /mcp}, RFC 9728 §3.1).
 */
final class ProtectedResourceMetadataStage implements RequestStage {
  /** The well-known path. */
  static final String PATH = "/.well-known/oauth-protected-resource";

  private final byte[] document;
  private final List<String> paths;

  ProtectedResourceMetadataStage(String resource, String resourcePath,
      List<String> authorizationServers, List<String> scopesSupported, boolean bearerTokens) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("resource", resource);
    if (!authorizationServers.isEmpty()) { // RFC 9728 §2: OPTIONAL; never an empty promise
      doc.put("authorization_servers", authorizationServers);
    }
    doc.put("bearer_methods_supported", bearerTokens ? List.of("header") : List.of());
    doc.put("scopes_supported", scopesSupported);
    // Tokens bound to the client certificate (cnf.x5t#S256, RFC 8705) are checked.
    doc.put("tls_client_certificate_bound_access_tokens", true);
    doc.put("resource_name", "Gatehouse MCP server");
    this.document = JsonMapper.builder().build().writeValueAsBytes(doc);
    this.paths = resourcePath.isEmpty() || resourcePath.equals("/")
        ? List.of(PATH) : List.of(PATH, PATH + resourcePath);
  }

  @Override
  public String name() {
    return "oauth-protected-resource";
  }

  @Override
  public CompletionStage<StageResult> apply(GatehouseRequest request) {
    if (!paths.contains(request.path())) {
      return StageResult.proceedNow();
    }
    if (!HttpMethod.GET.equals(request.method())) {
      FullHttpResponse refused = HttpResponses.error(HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method_not_allowed", "use GET");
      refused.headers().set(HttpHeaderNames.ALLOW, "GET");
      return CompletableFuture.completedStage(StageResult.respond(refused));
    }
    return CompletableFuture.completedStage(
        StageResult.respond(HttpResponses.json(HttpResponseStatus.OK, document)));
  }
}
