/** {@code gatehouse connect}: a local stdio MCP bridge that speaks mutual TLS to a Gatehouse server for hosts that cannot. */
package io.gatehouse.cli.connect;
