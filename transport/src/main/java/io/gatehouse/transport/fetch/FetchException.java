package io.gatehouse.transport.fetch;

import java.io.IOException;

/** A fetch that produced no usable answer; the message is one line without remote text or bytes. */
public final class FetchException extends IOException {
  /** Why the fetch failed, for callers that word their own message. */
  public enum Kind {
    /** The URL's scheme is not allowed for this fetcher (e.g. http where only https is). */
    SCHEME_REFUSED,
    /** No connection could be made. */
    UNREACHABLE,
    /** The deadline passed before the whole answer arrived. */
    TIMEOUT,
    /** The body exceeded the fetcher's size limit. */
    TOO_LARGE,
    /** The fetcher was closed (its executor no longer runs tasks). */
    CLOSED,
    /** Any other I/O or protocol failure. */
    FAILED
  }

  private final Kind kind;

  FetchException(Kind kind, String message) {
    super(message, null);
    this.kind = kind;
  }

  /** Why the fetch failed. */
  public Kind kind() {
    return kind;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this; // expected outcome on the network path, not a bug: no stack to capture
  }
}
