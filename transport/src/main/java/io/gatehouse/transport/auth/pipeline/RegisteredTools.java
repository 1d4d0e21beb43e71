package io.gatehouse.transport.auth.pipeline;

import io.modelcontextprotocol.server.McpAsyncServer;
import io.modelcontextprotocol.server.McpSyncServer;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The names of the tools the MCP server has registered. The authorize stage refuses a {@code
 * tools/call} of any other name with the same 403 as a forbidden tool, so callers cannot probe
 * which tools exist. Asked on the event loop: implementations must not block.
 */
@FunctionalInterface
public interface RegisteredTools {
  /** Whether a tool named {@code name} is registered right now. */
  boolean contains(String name);

  /** The tools of {@code server} at each call (tools added later count). */
  static RegisteredTools of(McpSyncServer server) {
    return of(server.getAsyncServer());
  }

  /**
   * The tools of {@code server} at each call. The SDK's tool list is an in-memory list that its
   * {@code Flux} emits synchronously on subscription, so it is read without blocking; were it ever
   * emitted later, the answer would be "not registered" (403), never a blocked event loop.
   */
  static RegisteredTools of(McpAsyncServer server) {
    return name -> {
      AtomicBoolean found = new AtomicBoolean();
      server.listTools().filter(t -> t.name().equals(name)).take(1)
          .subscribe(t -> found.set(true));
      return found.get();
    };
  }

  /** A fixed set of names (tests, servers whose tools never change). */
  static RegisteredTools of(Set<String> names) {
    Set<String> copy = Set.copyOf(names);
    return copy::contains;
  }
}
