package io.gatehouse.example.tools;

/**
 * A failure the caller can fix (bad argument, unknown id): reported as a tool result with {@code
 * isError: true}, as MCP asks, rather than as a protocol error.
 */
public final class ToolError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ToolError(String message) {
    super(message, null, false, false);
  }
}
