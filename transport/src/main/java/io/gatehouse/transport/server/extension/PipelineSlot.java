package io.gatehouse.transport.server.extension;

/**
 * Where a {@link io.gatehouse.transport.http.RequestStage} goes in the request pipeline. Slots
 * run in declaration order, after TLS, limits, Host/Origin, MCP-Protocol-Version and {@code
 * /healthz}, and before the MCP endpoint; stages within a slot run in the order they were added.
 */
public enum PipelineSlot {
  /** Unauthenticated endpoints (e.g. RFC 9728 metadata): answer their path, pass the rest on. */
  PUBLIC,
  /**
   * Sets the caller with {@link io.gatehouse.transport.auth.RequestPrincipal#set} or answers 401.
   * Never empty: a server without an authenticator refuses to start (see {@link
   * io.gatehouse.transport.server.Gatehouse.Builder#insecureNoAuthentication()}).
   */
  AUTHENTICATE,
  /** Refuses revoked credentials (certificates: OCSP). */
  REVOCATION,
  /** Refuses what the principal may not do (403), e.g. by the tool in {@code toolName()}. */
  AUTHORIZE
}
