/** The 2026-07-28 endpoint's dispatch: threads, and the one-pass body read. */
package io.gatehouse.transport.mcp.modern;
