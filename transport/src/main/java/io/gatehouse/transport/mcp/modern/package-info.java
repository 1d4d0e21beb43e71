/** MCP 2026-07-28 (stateless) on the Gatehouse endpoint, beside the 2025-xx session path. */
package io.gatehouse.transport.mcp.modern;
