package io.gatehouse.transport.auth.pipeline;

import java.time.Duration;
import java.util.Set;
import java.util.function.Supplier;

/** {@link RegisteredTools} from a snapshot of tool names, re-read when it is older than a TTL. */
final class ToolSnapshots implements RegisteredTools {
  private record Snapshot(Set<String> names, long takenNanos) {}

  private final Supplier<Set<String>> read;
  private final long ttlNanos;
  private volatile Snapshot snapshot;

  ToolSnapshots(Supplier<Set<String>> read, Duration ttl) {
    this.read = read;
    this.ttlNanos = ttl.toNanos();
  }

  @Override
  public boolean contains(String name) {
    long now = System.nanoTime();
    Snapshot current = snapshot;
    if (current == null || now - current.takenNanos() > ttlNanos) {
      // Concurrent refreshes are harmless: each reads the same in-memory list.
      current = new Snapshot(Set.copyOf(read.get()), now);
      snapshot = current;
    }
    return current.names().contains(name);
  }
}
