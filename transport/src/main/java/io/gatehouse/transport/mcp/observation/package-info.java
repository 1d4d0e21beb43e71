/** What the MCP transport reports about the calls it carries (the tool-call observer, for metrics). */
package io.gatehouse.transport.mcp.observation;
