package io.gatehouse.ca.oauth;

/**
 * An RFC 6749 §5.2 error answer of the token endpoint: {@code error}, a one-line {@code
 * error_description}, and the HTTP status (401 for {@code invalid_client}, else 400).
 */
public final class OAuthError extends Exception {
  private static final long serialVersionUID = 1L;

  private final String code;
  private final int status;

  private OAuthError(String code, int status, String description) {
    super(description, null, false, false);
    this.code = code;
    this.status = status;
  }

  /** The client is not authenticated: no, or a bad, certificate (RFC 6749 §5.2: 401). */
  static OAuthError invalidClient(String description) {
    return new OAuthError("invalid_client", 401, description);
  }

  static OAuthError invalidRequest(String description) {
    return new OAuthError("invalid_request", 400, description);
  }

  static OAuthError invalidGrant(String description) {
    return new OAuthError("invalid_grant", 400, description);
  }

  /** RFC 8707 §2: the resource is missing, malformed or not registered. */
  static OAuthError invalidTarget(String description) {
    return new OAuthError("invalid_target", 400, description);
  }

  static OAuthError invalidScope(String description) {
    return new OAuthError("invalid_scope", 400, description);
  }

  static OAuthError unsupportedGrantType(String description) {
    return new OAuthError("unsupported_grant_type", 400, description);
  }

  /**
   * The CA store failed verification against its signed audit chain, or is unreachable: nothing
   * is decided from it (docs/ca.md). RFC 6749 names this code for the authorization endpoint;
   * here it is the token endpoint's 503.
   */
  static OAuthError temporarilyUnavailable() {
    return new OAuthError("temporarily_unavailable", 503, "the CA store is not available; try again later");
  }

  /** A CA-side failure (store, signing): the client learns only that it failed. */
  static OAuthError serverError() {
    return new OAuthError("server_error", 500, "the CA could not complete the request; try again later");
  }

  /** The {@code error} code. */
  public String code() {
    return code;
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }
}
