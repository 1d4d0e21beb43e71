package io.gatehouse.transport.auth;

import io.netty.util.AttributeKey;
import io.netty.util.AttributeMap;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the authentication stage leaves the caller: an attribute of the request ({@code
 * io.gatehouse.transport.http.GatehouseRequest}). Later stages (revocation, authorization) read it;
 * the MCP endpoint binds sessions to it and hands it to tools in the transport context. A request
 * that reaches the MCP endpoint without one is refused (401): there is no implicit identity.
 */
public final class RequestPrincipal {
  /** The request attribute holding the authenticated {@link Principal}. */
  public static final AttributeKey<Principal> KEY = AttributeKey.valueOf("gatehouse.principal");

  private RequestPrincipal() {}

  /** Records who sent {@code request}. */
  public static void set(AttributeMap request, Principal principal) {
    request.attr(KEY).set(Objects.requireNonNull(principal, "principal"));
  }

  /** Who sent {@code request}, if a stage authenticated it. */
  public static Optional<Principal> get(AttributeMap request) {
    return Optional.ofNullable(orNull(request));
  }

  /** Who sent {@code request}, or null: {@link #get} for the per-request path (no wrapper). */
  public static Principal orNull(AttributeMap request) {
    // hasAttr first: attr() would add an empty attribute to a request that has none.
    return request.hasAttr(KEY) ? request.attr(KEY).get() : null;
  }
}
