package io.gatehouse.transport.auth;

/**
 * Checks one kind of credential on a request.
 *
 * <p>Implementations are synchronous, thread-safe and CPU-bound (signature checks, hashing, at
 * worst a bounded key-set fetch); the caller runs them off the Netty event loop. They never
 * throw for a bad credential: they answer {@link AuthResult#notPresent()} when the request carries
 * no credential of their kind, and a {@link AuthResult.Rejected} when it carries a bad one.
 */
public interface Authenticator {
  /** The method this authenticator proves. */
  AuthMethod method();

  /** Authenticates {@code request} with this method's credential, if the request carries one. */
  AuthResult authenticate(AuthRequest request);
}
