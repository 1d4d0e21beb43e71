/** The keys of the MCP transport context tool handlers receive (principal, remote address, protocol version, session). */
package io.gatehouse.transport.mcp.context;
