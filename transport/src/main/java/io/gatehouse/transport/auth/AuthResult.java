package io.gatehouse.transport.auth;

import java.util.Objects;

/**
 * What an {@link Authenticator} concluded: no credential of its kind, an authenticated principal,
 * or a rejected credential. A rejection ends authentication (401); only {@link NotPresent} lets
 * the chain try the next method.
 */
public sealed interface AuthResult
    permits AuthResult.NotPresent, AuthResult.Authenticated, AuthResult.Rejected {

  /** The request carries no credential of this kind. */
  static AuthResult notPresent() {
    return NotPresent.INSTANCE;
  }

  /** The credential is good, with no end of its own. */
  static AuthResult authenticated(Principal principal) {
    return new Authenticated(principal);
  }

  /** The credential is good for as long as {@code lease} says. */
  static AuthResult authenticated(Principal principal, CredentialLease lease) {
    return new Authenticated(principal, lease);
  }

  /**
   * The credential (certificate, API key) is bad: the 401 asks for authentication.
   *
   * @param reason a one-line reason for the audit log; never contains the credential itself
   */
  static AuthResult rejected(AuthMethod method, String reason) {
    return new Rejected(method, reason, Challenge.AUTHENTICATION_REQUIRED);
  }

  /**
   * The bearer token is bad: the 401 says {@code error="invalid_token"} (RFC 6750 §3.1).
   *
   * @param reason a one-line reason for the audit log; never contains the token itself
   */
  static AuthResult rejectedToken(AuthMethod method, String reason) {
    return new Rejected(method, reason, Challenge.INVALID_TOKEN);
  }

  /** What the 401 for a rejected credential tells the client. */
  enum Challenge {
    /** {@code WWW-Authenticate: Bearer resource_metadata=...}: authenticate. */
    AUTHENTICATION_REQUIRED,
    /** {@code error="invalid_token"}: a bearer token was sent and refused. */
    INVALID_TOKEN
  }

  /** No credential of the authenticator's kind. */
  final class NotPresent implements AuthResult {
    private static final NotPresent INSTANCE = new NotPresent();

    private NotPresent() {}

    @Override
    public String toString() {
      return "NotPresent";
    }
  }

  /** A good credential, who it names and how long it stays good. */
  record Authenticated(Principal principal, CredentialLease lease) implements AuthResult {
    public Authenticated {
      Objects.requireNonNull(principal, "principal");
      Objects.requireNonNull(lease, "lease");
    }

    /** A credential without an end of its own. */
    public Authenticated(Principal principal) {
      this(principal, CredentialLease.until(null));
    }
  }

  /**
   * A bad credential.
   *
   * @param method the method whose credential was refused
   * @param reason why, for the audit log (no secrets, one line)
   * @param challenge what the 401's {@code WWW-Authenticate} tells the client
   */
  record Rejected(AuthMethod method, String reason, Challenge challenge) implements AuthResult {
    public Rejected {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(challenge, "challenge");
    }

    /** Whether a bearer token was sent (and refused). */
    public boolean tokenPresented() {
      return challenge == Challenge.INVALID_TOKEN;
    }
  }
}
