package io.gatehouse.transport.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts requests between their first byte and the end of their response, server-wide, so
 * graceful shutdown can wait for them. Once draining, new requests are refused with 503.
 */
public final class InFlightRequests {
  private final AtomicInteger count = new AtomicInteger();
  private final CompletableFuture<Void> drained = new CompletableFuture<>();
  private volatile boolean draining;

  void started() {
    count.incrementAndGet();
  }

  void finished() {
    if (count.decrementAndGet() == 0 && draining) {
      drained.complete(null);
    }
  }

  /** True once {@link #drain()} was called. */
  public boolean draining() {
    return draining;
  }

  /** Requests currently in flight. */
  public int count() {
    return count.get();
  }

  /** Refuses new requests from now on; completes when no request is in flight. */
  public CompletableFuture<Void> drain() {
    draining = true;
    if (count.get() == 0) {
      drained.complete(null);
    }
    return drained;
  }
}
