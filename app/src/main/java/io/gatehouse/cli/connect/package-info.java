/**
 * {@code gatehouse connect}: a local stdio MCP bridge that speaks mutual TLS to a Gatehouse server
 * for hosts that cannot. The whole bridge (relay, TLS, EST renewal) lives here, not in {@code
 * server-example}: it is client-side tooling a user runs beside an MCP host against any Gatehouse
 * server, and wires nothing of the example server.
 */
package io.gatehouse.cli.connect;
