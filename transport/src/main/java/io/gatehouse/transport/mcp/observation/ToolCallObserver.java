package io.gatehouse.transport.mcp.observation;

/**
 * Told when a {@code tools/call} the SDK handled ends, e.g. to time calls by tool and outcome.
 * Called on the connection's event loop: must be quick and must not block.
 */
@FunctionalInterface
public interface ToolCallObserver {
  /** How a call ended. */
  enum Outcome {
    /** The SDK answered with a result that is not an error. */
    OK,
    /** The SDK answered with a JSON-RPC error or a result marked {@code isError}. */
    ERROR,
    /** The stream ended without an answer (client gone, shutdown, failure). */
    ABORTED
  }

  /** The call of {@code tool} ended with {@code outcome} after {@code nanos}. */
  void toolCallEnded(String tool, Outcome outcome, long nanos);
}
