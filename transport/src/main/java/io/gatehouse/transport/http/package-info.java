/** HTTP concerns before MCP: limits, Host/Origin, protocol version, health and readiness, the stage hook. */
package io.gatehouse.transport.http;
