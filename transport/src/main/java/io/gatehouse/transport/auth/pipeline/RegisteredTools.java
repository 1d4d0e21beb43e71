package io.gatehouse.transport.auth.pipeline;

import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpSyncServer;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * The names of the tools the MCP server has registered. The authorize stage refuses a {@code
 * tools/call} of any other name with the same 403 as a forbidden tool, so callers cannot probe
 * which tools exist. Asked on the event loop for every {@code tools/call}: implementations must
 * be quick and must not block.
 */
@FunctionalInterface
public interface RegisteredTools {
  /** How long a snapshot of the SDK's tool list is used before it is read again. */
  Duration SNAPSHOT_TTL = Duration.ofSeconds(1);

  /** Whether a tool named {@code name} is registered right now. */
  boolean contains(String name);

  /** The tools of {@code server}; see {@link #of(McpAsyncServer)}. */
  static RegisteredTools of(McpSyncServer server) {
    return of(server.getAsyncServer());
  }

  /**
   * The tools of {@code server}, from a snapshot of its tool list taken at most {@link
   * #SNAPSHOT_TTL} ago: a tool added or removed at run time counts within a second, and a call
   * costs a hash lookup instead of a copy of the list. The SDK's list is in memory and its {@code
   * Flux} emits synchronously on subscription, so reading it never blocks; were it ever emitted
   * later, the snapshot would be empty (403), never a blocked event loop.
   */
  static RegisteredTools of(McpAsyncServer server) {
    return new ToolSnapshots(() -> {
      Set<String> names = new HashSet<>();
      server.listTools().subscribe(t -> names.add(t.name()));
      return names;
    }, SNAPSHOT_TTL);
  }

  /** A fixed set of names (tests, servers whose tools never change). */
  static RegisteredTools of(Set<String> names) {
    Set<String> copy = Set.copyOf(names);
    return copy::contains;
  }
}
