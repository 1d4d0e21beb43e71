package io.gatehouse.transport.auth.pipeline;

import io.gatehouse.transport.auth.AuthResult;
import io.gatehouse.transport.auth.revocation.RevocationDecision;
import io.gatehouse.transport.http.HttpResponses;
import io.gatehouse.transport.http.StageResult;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The auth pipeline's refusals, written in one place so every 401, 403 and 429 carries the same
 * headers (RFC 6750 §3, RFC 9728 §5.1) and a JSON body that names no secret and no policy.
 */
final class Refusals {
  /** RFC 6749 §3.3 scope-token: it goes inside a quoted header parameter, so nothing else may. */
  private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

  private final String resourceMetadata;
  private final String scopeParameter; // "" or ", scope=\"a b\""

  /** @param resourceMetadata URL of this server's RFC 9728 metadata document */
  Refusals(String resourceMetadata) {
    this(resourceMetadata, List.of());
  }

  /**
   * @param resourceMetadata URL of this server's RFC 9728 metadata document
   * @param scopes the resource's scopes ({@code auth.scopesSupported}): every 401 challenge
   *     names them in {@code scope} (MCP 2025-11-25 authorization: SHOULD), none: no parameter
   */
  Refusals(String resourceMetadata, List<String> scopes) {
    this.resourceMetadata = resourceMetadata;
    for (String scope : scopes) {
      if (!SCOPE_TOKEN.matcher(scope).matches()) {
        throw new IllegalArgumentException("auth.scopesSupported: not an RFC 6749 scope token"
            + " (printable ASCII without space, '\"' or '\\'): " + scope);
      }
    }
    this.scopeParameter = scopes.isEmpty() ? "" : ", scope=\"" + String.join(" ", scopes) + "\"";
  }

  /** 401 for no credential, or a bad certificate or API key. */
  CompletionStage<StageResult> authenticationRequired() {
    return unauthorized(AuthResult.Challenge.AUTHENTICATION_REQUIRED);
  }

  /** 401 for {@code rejected}: {@code error="invalid_token"} when a bearer token was refused. */
  CompletionStage<StageResult> unauthorized(AuthResult.Rejected rejected) {
    return unauthorized(rejected.challenge());
  }

  private CompletionStage<StageResult> unauthorized(AuthResult.Challenge challenge) {
    boolean tokenPresented = challenge == AuthResult.Challenge.INVALID_TOKEN;
    FullHttpResponse response = tokenPresented
        ? HttpResponses.error(HttpResponseStatus.UNAUTHORIZED, "invalid_token",
            "the access token is invalid, expired or revoked")
        : HttpResponses.error(HttpResponseStatus.UNAUTHORIZED, "unauthorized",
            "authentication required");
    response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, tokenPresented
        ? "Bearer error=\"invalid_token\", resource_metadata=\"" + resourceMetadata + "\""
            + scopeParameter
        : "Bearer resource_metadata=\"" + resourceMetadata + "\"" + scopeParameter);
    return done(response);
  }

  /**
   * 401 for a certificate refused by the revocation check: the body says the certificate was
   * refused and why in two words (revoked, or status unavailable) but nothing of the policy or the
   * responder. {@code WWW-Authenticate: Bearer resource_metadata} as on every 401 (RFC 9110 requires
   * a challenge on a 401, and docs/contracts.md fixes this one), also on certificate-only servers:
   * the body, not the header, says that the certificate was what was refused.
   */
  CompletionStage<StageResult> certificateRefused(RevocationDecision.Status status) {
    FullHttpResponse response = status == RevocationDecision.Status.REVOKED
        ? HttpResponses.error(HttpResponseStatus.UNAUTHORIZED, "certificate_revoked",
            "the client certificate was refused: it has been revoked")
        : HttpResponses.error(HttpResponseStatus.UNAUTHORIZED, "certificate_status_unavailable",
            "the client certificate was refused: its revocation status could not be confirmed");
    response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE,
        "Bearer resource_metadata=\"" + resourceMetadata + "\"" + scopeParameter);
    return done(response);
  }

  /**
   * 403 {@code insufficient_scope} for {@code scope} ({@code tool:<name>} or {@code
   * resource:<name>}); {@code what} is named in the body.
   */
  CompletionStage<StageResult> forbidden(String scope, String what) {
    FullHttpResponse response = HttpResponses.error(HttpResponseStatus.FORBIDDEN,
        "insufficient_scope", "not permitted to use " + what);
    response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE,
        "Bearer error=\"insufficient_scope\", scope=\"" + scope + "\", resource_metadata=\""
            + resourceMetadata + "\"");
    return done(response);
  }

  /** 429 with {@code Retry-After}. */
  CompletionStage<StageResult> tooMany(long retryAfterSeconds, String description) {
    FullHttpResponse response = HttpResponses.error(HttpResponseStatus.TOO_MANY_REQUESTS,
        "rate_limited", description);
    response.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString(retryAfterSeconds));
    return done(response);
  }

  /** 503 with {@code Retry-After: 1}: the authentication threads are saturated. */
  CompletionStage<StageResult> busy() {
    FullHttpResponse response = HttpResponses.error(HttpResponseStatus.SERVICE_UNAVAILABLE,
        "unavailable", "server busy, retry");
    response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    return done(response);
  }

  private static CompletionStage<StageResult> done(FullHttpResponse response) {
    return CompletableFuture.completedStage(StageResult.respond(response));
  }
}
