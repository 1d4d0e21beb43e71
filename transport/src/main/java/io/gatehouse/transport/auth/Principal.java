package io.gatehouse.transport.auth;

import java.util.Objects;
import java.util.Set;

/**
 * An authenticated caller: the result of the authentication stage, carried with each request to
 * authorization, session ownership, audit and tool handlers.
 *
 * @param id stable identity: a SPIFFE ID for certificates, {@code iss}-qualified {@code sub} for
 *     JWTs, the key id for API keys
 * @param roles the roles the credential carries (before hierarchy expansion)
 * @param method how the caller authenticated
 * @param credentialId the certificate serial (hex), token {@code jti} or API-key id, for audit
 */
public record Principal(String id, Set<String> roles, AuthMethod method, String credentialId) {
  /** The caller when authentication is disabled. */
  public static final Principal ANONYMOUS = new Principal("anonymous", Set.of(), AuthMethod.NONE, "");

  public Principal {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(method, "method");
    roles = Set.copyOf(roles);
    credentialId = credentialId == null ? "" : credentialId;
  }
}
