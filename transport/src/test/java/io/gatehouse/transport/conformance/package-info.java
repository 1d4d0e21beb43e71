/** The official MCP conformance suite against the Gatehouse transport, and its fixture server. */
package io.gatehouse.transport.conformance;
