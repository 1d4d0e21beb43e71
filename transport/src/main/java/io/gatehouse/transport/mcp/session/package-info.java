/** Sealed MCP session ids: any node holding the shared key can serve any legacy session. */
package io.gatehouse.transport.mcp.session;
