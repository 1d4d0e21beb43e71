/** MCP Streamable HTTP on Netty for the MCP Java SDK: sessions, streams, both protocol generations. */
package io.gatehouse.transport.mcp;
