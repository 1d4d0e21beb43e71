package io.gatehouse.transport.auth.pipeline;

import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpSyncServer;
import java.util.Set;

/**
 * The names of the tools the MCP server has registered. The authorize stage refuses a {@code
 * tools/call} of any other name with the same 403 as a forbidden tool, so callers cannot probe
 * which tools exist. Asked on the event loop: implementations must not block.
 */
@FunctionalInterface
public interface RegisteredTools {
  /** Whether a tool named {@code name} is registered right now. */
  boolean contains(String name);

  /**
   * The tools of {@code server} at each call (tools added later count). The SDK's tool list is an
   * in-memory list, so reading it never waits.
   */
  static RegisteredTools of(McpSyncServer server) {
    return name -> server.listTools().stream().anyMatch(t -> t.name().equals(name));
  }

  /** The tools of {@code server} at each call; an in-memory list, as for the sync server. */
  static RegisteredTools of(McpAsyncServer server) {
    return name -> Boolean.TRUE.equals(
        server.listTools().any(t -> t.name().equals(name)).block());
  }

  /** A fixed set of names (tests, servers whose tools never change). */
  static RegisteredTools of(Set<String> names) {
    Set<String> copy = Set.copyOf(names);
    return copy::contains;
  }
}
