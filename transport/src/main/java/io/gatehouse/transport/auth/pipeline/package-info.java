/**
 * The auth pipeline wired into the transport: {@link
 * io.gatehouse.transport.auth.pipeline.GatehouseAuth} assembles, from the {@code auth:} config,
 * the request stages (RFC 9728 metadata, authenticate, revocation, authorize, {@code /metrics}),
 * the TLS client-auth mode and trust manager, the {@code tools/list} filter and the meters.
 */
package io.gatehouse.transport.auth.pipeline;
